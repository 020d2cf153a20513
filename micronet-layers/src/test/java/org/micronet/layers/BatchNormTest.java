package org.micronet.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.micronet.kernels.FusedActivation;
import org.micronet.testing.FloatParity;
import org.micronet.testing.LayerHarness;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.micronet.layers.params.BatchNormParams.BETA;
import static org.micronet.layers.params.BatchNormParams.GAMMA;
import static org.micronet.layers.params.BatchNormParams.MEAN;
import static org.micronet.layers.params.BatchNormParams.VAR;

class BatchNormTest {
    private static final String UNDER_TEST = "under-test";
    private static final List<String> KEYS = List.of(GAMMA, BETA, MEAN, VAR);

    private static BatchNorm bn(int channels) {
        return new BatchNorm.Builder().channels(channels).build();
    }

    private static BatchNormalization dl4jBn(int channels) {
        return new BatchNormalization.Builder().nIn(channels).nOut(channels).eps(1e-5).decay(0.9).useLogStd(false).build();
    }

    /** 2-d counterpart of {@link LayerHarness#graph}: a dense layer, the layer, an MSE loss. */
    private static ComputationGraph denseGraph(org.deeplearning4j.nn.conf.layers.Layer layer, int features, long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.DOUBLE).updater(new NoOp()).weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.feedForward(features))
                .addLayer("pre", new DenseLayer.Builder().nIn(features).nOut(features)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer(UNDER_TEST, layer, "pre")
                .addLayer("loss", new LossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), UNDER_TEST)
                .setOutputs("loss")
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    /** The layer straight on the input, so its batch statistics are those of the data. */
    private static ComputationGraph trainingGraph(NeuralNetConfiguration.Builder base, int c, int h, int w) {
        ComputationGraph net = new ComputationGraph(base.seed(3).dataType(DataType.DOUBLE)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(h, w, c))
                .addLayer(UNDER_TEST, bn(c), "in")
                .addLayer("loss", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), UNDER_TEST)
                .setOutputs("loss")
                .build());
        net.init();
        return net;
    }

    /** Random gamma, beta, mean and (positive) var, so that none of them is neutral. */
    private static void randomiseBatchNorm(Layer layer, long seed) {
        Nd4j.getRandom().setSeed(seed);
        for (String key : KEYS) {
            INDArray p = layer.getParam(key);
            INDArray v = Nd4j.rand(DataType.DOUBLE, p.shape()).muli(1.5).addi(0.25);
            p.assign(key.equals(BETA) || key.equals(MEAN) ? v.subi(1) : v);
        }
    }

    private static void copyBatchNorm(Layer from, Layer to) {
        for (String key : KEYS) {
            to.getParam(key).assign(from.getParam(key).reshape(to.getParam(key).shape()));
        }
    }

    /**
     * Gradient check of every parameter except the running statistics, whose "gradient" is
     * the moving-average step and on which the training-mode score does not depend. The bias
     * before a batch norm has a zero gradient (the batch mean cancels it) that finite differences
     * of a score near 20 see as ~2e-9 of rounding noise: hence the absolute floor of 1e-8.
     */
    private static void assertGradientsMatch(ComputationGraph net, INDArray input) {
        INDArray labels = LayerHarness.randomInput(11, net.outputSingle(input).shape());
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
                .net(net).inputs(new INDArray[]{input}).labels(new INDArray[]{labels})
                .excludeParams(Set.of(UNDER_TEST + "_" + MEAN, UNDER_TEST + "_" + VAR))
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-8)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false));
        assertTrue(ok, "gradient check failed");
    }

    @Test
    void parametersArePyTorchShapedVectorsStartingAtIdentity() {
        ComputationGraph net = LayerHarness.graph(bn(5), 5, 2, 2, 1);
        Layer layer = net.getLayer(UNDER_TEST);
        assertEquals(KEYS, List.copyOf(layer.paramTable().keySet()));
        double[][] start = {{1, 1, 1, 1, 1}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}, {1, 1, 1, 1, 1}};
        for (int i = 0; i < KEYS.size(); i++) {
            INDArray p = layer.getParam(KEYS.get(i));
            assertArrayEquals(new long[]{5}, p.shape(), KEYS.get(i));
            assertArrayEquals(start[i], p.toDoubleVector(), KEYS.get(i));
        }
    }

    @ParameterizedTest(name = "c={0} {1}x{2}")
    @CsvSource({"3,3,4", "4,2,2", "2,1,5"})
    void nchwGradientsMatchFiniteDifferences(int c, int h, int w) {
        ComputationGraph net = LayerHarness.graph(bn(c), c, h, w, 42);
        randomiseBatchNorm(net.getLayer(UNDER_TEST), 5);
        assertGradientsMatch(net, LayerHarness.randomInput(7, 3, c, h, w));
    }

    /** With an activation fused in (training graphs have them): the activation's slope enters the gradients. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = FusedActivation.class, names = {"RELU", "RELU6", "HARDSWISH"})
    void fusedActivationGradientsMatchFiniteDifferences(FusedActivation act) {
        BatchNorm layer = bn(3);
        layer.setActivation(act);
        ComputationGraph net = LayerHarness.graph(layer, 3, 3, 4, 42);
        randomiseBatchNorm(net.getLayer(UNDER_TEST), 5);
        // scaled so that the outputs reach past 6 and below -3: every piece of each activation
        INDArray x = LayerHarness.randomInput(7, 3, 3, 3, 4);
        net.getLayer(UNDER_TEST).getParam(GAMMA).muli(2.5);
        assertGradientsMatch(net, x);
        FloatParity.assertFloatMatchesDouble(net, x, 8, 1e-4);
    }

    @ParameterizedTest(name = "features={0} batch={1}")
    @CsvSource({"4,5", "3,2"})
    void denseGradientsMatchFiniteDifferences(int features, int batch) {
        ComputationGraph net = denseGraph(bn(features), features, 42);
        randomiseBatchNorm(net.getLayer(UNDER_TEST), 5);
        assertGradientsMatch(net, LayerHarness.randomInput(7, batch, features));
    }

    /** The float path (SIMD kernel) against the double one: plane and row walks, NCHW and 2-d input. */
    @ParameterizedTest(name = "c={0} {1}x{2} batch {3}")
    @CsvSource({"3,5,7,4", "20,2,2,6", "4,16,16,3", "5,1,1,9"})
    void floatPathMatchesDouble(int c, int h, int w, int batch) {
        ComputationGraph net = LayerHarness.graph(bn(c), c, h, w, 42);
        randomiseBatchNorm(net.getLayer(UNDER_TEST), 5);
        FloatParity.assertFloatMatchesDouble(net, LayerHarness.randomInput(7, batch, c, h, w).muli(3).addi(2), 8, 1e-4);
    }

    @Test
    void denseFloatPathMatchesDouble() {
        ComputationGraph net = denseGraph(bn(20), 20, 42);
        randomiseBatchNorm(net.getLayer(UNDER_TEST), 5);
        FloatParity.assertFloatMatchesDouble(net, LayerHarness.randomInput(7, 9, 20), 8, 1e-4);
    }

    @Test
    void roundTripsThroughJsonAndModelSerializer() throws Exception {
        BatchNorm layer = new BatchNorm.Builder().channels(4).eps(1e-3).momentum(0.2).build();
        ComputationGraph net = LayerHarness.graph(layer, 4, 3, 3, 3);
        randomiseBatchNorm(net.getLayer(UNDER_TEST), 9);
        LayerHarness.assertRoundTrips(net, LayerHarness.randomInput(3, 2, 4, 3, 3));
    }

    /** Same values, gradients and inference output as DL4J's own layer, on NCHW and 2-d input. */
    @ParameterizedTest(name = "rank {0}")
    @ValueSource(ints = {4, 2})
    void matchesDl4jBatchNormalization(int rank) {
        int c = 3;
        long[] shape = rank == 4 ? new long[]{4, c, 3, 5} : new long[]{6, c};
        ComputationGraph ours = rank == 4 ? LayerHarness.graph(bn(c), c, 3, 5, 1) : denseGraph(bn(c), c, 1);
        ComputationGraph theirs = rank == 4 ? LayerHarness.graph(dl4jBn(c), c, 3, 5, 1) : denseGraph(dl4jBn(c), c, 1);
        Layer a = ours.getLayer(UNDER_TEST);
        Layer b = theirs.getLayer(UNDER_TEST);
        ours.initGradientsView();
        theirs.initGradientsView();
        randomiseBatchNorm(a, 21);
        copyBatchNorm(a, b);
        // data far from zero mean and unit spread, so normalisation does real work
        INDArray x = LayerHarness.randomInput(22, shape).muli(3).addi(2);
        INDArray eps = LayerHarness.randomInput(23, shape);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();

        for (boolean training : new boolean[]{true, false}) {
            a.setInput(x, mgr);
            b.setInput(x, mgr);
            assertArrayEquals(b.activate(training, mgr).dup().data().asDouble(),
                    a.activate(training, mgr).dup().data().asDouble(), 1e-10, "output, training=" + training);
        }
        a.setInput(x, mgr);
        b.setInput(x, mgr);
        a.activate(true, mgr);
        b.activate(true, mgr);
        Pair<Gradient, INDArray> ga = a.backpropGradient(eps, mgr);
        Pair<Gradient, INDArray> gb = b.backpropGradient(eps, mgr);
        assertArrayEquals(gb.getSecond().dup().data().asDouble(), ga.getSecond().dup().data().asDouble(), 1e-10, "input gradient");
        for (String key : List.of(GAMMA, BETA, MEAN)) {
            // the running mean's step is DL4J's too: (1 - decay) * (global - batch)
            assertArrayEquals(gb.getFirst().getGradientFor(key).dup().data().asDouble(),
                    ga.getFirst().getGradientFor(key).dup().data().asDouble(), 1e-10, key + " gradient");
        }
    }

    /** running = 0.9 * running + 0.1 * batch, with the unbiased batch variance, after each fit. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sgd", "nesterovs", "adam"})
    void runningStatisticsFollowPyTorchThroughFitWithAnyUpdater(String name) {
        IUpdater updater = switch (name) {
            case "sgd" -> new Sgd(0.1);
            case "nesterovs" -> new Nesterovs(0.1, 0.9);
            default -> new Adam(0.01);
        };
        assertRunningStatisticsFollowPyTorch(new NeuralNetConfiguration.Builder().updater(updater));
    }

    /** L2 and weight decay on weights and biases leave the running statistics to the moving average. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"l2", "weightDecay"})
    void weightDecayLeavesRunningStatisticsAlone(String kind) {
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder().updater(new Sgd(0.1));
        NeuralNetConfiguration.Builder decayed = kind.equals("l2") ? base.l2(0.5).l2Bias(0.5) : base.weightDecay(0.5).weightDecayBias(0.5);
        assertRunningStatisticsFollowPyTorch(decayed);
    }

    /** gamma, unlike the running statistics, is decayed: one SGD step moves it by lr * 0.5 * gamma. */
    @Test
    void weightDecayReachesGamma() {
        ComputationGraph plain = trainingGraph(new NeuralNetConfiguration.Builder().updater(new Sgd(0.1)), 2, 2, 2);
        ComputationGraph decayed = trainingGraph(new NeuralNetConfiguration.Builder().updater(new Sgd(0.1)).l2(0.5), 2, 2, 2);
        DataSet batch = new DataSet(LayerHarness.randomInput(1, 3, 2, 2, 2), LayerHarness.randomInput(2, 3, 2, 2, 2));
        plain.fit(batch);
        decayed.fit(batch);
        INDArray shift = decayed.getLayer(UNDER_TEST).getParam(GAMMA).sub(plain.getLayer(UNDER_TEST).getParam(GAMMA));
        assertArrayEquals(new double[]{-0.05, -0.05}, shift.toDoubleVector(), 1e-12);
        assertEquals(plain.getLayer(UNDER_TEST).getParam(VAR), decayed.getLayer(UNDER_TEST).getParam(VAR));
    }

    private static void assertRunningStatisticsFollowPyTorch(NeuralNetConfiguration.Builder base) {
        int c = 3, h = 2, w = 3;
        ComputationGraph net = trainingGraph(base, c, h, w);
        INDArray mean = Nd4j.zeros(DataType.DOUBLE, c);
        INDArray var = Nd4j.ones(DataType.DOUBLE, c);
        // batch sizes differ, so a division by the minibatch size would show
        int[] batchSizes = {2, 3, 4};
        for (int i = 0; i < batchSizes.length; i++) {
            INDArray x = LayerHarness.randomInput(30 + i, batchSizes[i], c, h, w).muli(2).addi(5);
            net.fit(new DataSet(x, LayerHarness.randomInput(40 + i, x.shape())));
            mean = mean.mul(0.9).add(x.mean(0, 2, 3).mul(0.1));
            var = var.mul(0.9).add(x.var(true, 0, 2, 3).mul(0.1));
            Layer layer = net.getLayer(UNDER_TEST);
            assertArrayEquals(mean.toDoubleVector(), layer.getParam(MEAN).toDoubleVector(), 1e-12, "mean after fit " + i);
            assertArrayEquals(var.toDoubleVector(), layer.getParam(VAR).toDoubleVector(), 1e-12, "var after fit " + i);
        }
    }
}
