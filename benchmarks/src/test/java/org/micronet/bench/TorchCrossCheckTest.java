package org.micronet.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.micronet.bench.torch.TorchLayout;
import org.micronet.bench.torch.TorchMicroNet;
import org.micronet.layers.BatchNorm;
import org.micronet.models.ModelConfig;
import org.micronet.models.Models;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our MicroNet against the same weights in PyTorch (libtorch through DJL): every vertex's
 * inference output, the loss and every parameter gradient of one training batch. Double
 * precision where both sides compute in double, float for the outputs of the float models.
 */
class TorchCrossCheckTest {
    private static final int SIZE = 64;
    private static final int CLASSES = 10;
    private static final int BATCH = 2;

    @ParameterizedTest
    @ValueSource(strings = {"m0", "m3"})
    void outputsAndGradientsMatchPyTorch(String model) {
        ModelConfig cfg = withoutDropout(Models.bundled(model));
        ComputationGraph net = Models.create(cfg, new NeuralNetConfiguration.Builder().seed(11)
                .dataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE).updater(new NoOp()));
        randomiseBatchNorm(net);
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(org.nd4j.linalg.api.buffer.DataType.DOUBLE, BATCH, 3, SIZE, SIZE);
        INDArray labels = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, BATCH, CLASSES);
        labels.putScalar(0, 3, 1.0);
        labels.putScalar(1, 7, 1.0);

        try (TorchMicroNet torch = TorchMicroNet.mirror(net, DataType.FLOAT64)) {
            assertSameActivations(net, torch, x, 1e-9);
            // training-mode batch norm agrees to about 1e-7 relative (M3), not to rounding: see assertSameGradients
            assertSameGradients(net, torch, x, labels, 1e-6);
        }

        ComputationGraph floatNet = Models.create(cfg, Models.defaults(11));
        floatNet.setParams(net.params().castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
        try (TorchMicroNet torch = TorchMicroNet.mirror(floatNet, DataType.FLOAT32)) {
            assertSameActivations(floatNet, torch, x.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT), 1e-4);
        }
    }

    private static void assertSameActivations(ComputationGraph net, TorchMicroNet torch, INDArray x, double tolerance) {
        Map<String, INDArray> ours = net.feedForward(x, false);
        Map<String, NDArray> theirs = torch.forward(torch.toTorch(x), false, null);
        String worst = null;
        double worstDiff = 0;
        Set<String> overwritten = overwrittenInPlace(net);
        for (Map.Entry<String, NDArray> e : theirs.entrySet()) {
            if (overwritten.contains(e.getKey())) {
                continue;
            }
            double diff = maxAbsDiff(ours.get(e.getKey()), e.getValue());
            if (diff > worstDiff || worst == null) {
                worst = e.getKey();
                worstDiff = diff;
            }
            // the first vertex that differs is where the semantics part
            assertTrue(diff <= tolerance, "vertex " + e.getKey() + " differs by " + diff);
        }
        System.out.printf("%s: %d vertices match, largest difference %.3g at %s%n",
                net.getConfiguration().getDataType(), theirs.size(), worstDiff, worst);
    }

    /** DL4J's activation layers work in place, so the activations kept for their inputs show the activated values. */
    private static Set<String> overwrittenInPlace(ComputationGraph net) {
        Set<String> out = new HashSet<>();
        net.getConfiguration().getVertexInputs().forEach((vertex, inputs) -> {
            if (net.getConfiguration().getVertices().get(vertex) instanceof LayerVertex lv
                    && lv.getLayerConf().getLayer() instanceof ActivationLayer) {
                out.addAll(inputs);
            }
        });
        return out;
    }

    /**
     * Loss and parameter gradients of one training batch (batch statistics in batch norm),
     * relative to the largest gradient of each parameter (at least 1).
     */
    private static void assertSameGradients(ComputationGraph net, TorchMicroNet torch, INDArray x, INDArray labels,
                                            double tolerance) {
        net.setInputs(x);
        net.setLabels(labels);
        net.computeGradientAndScore();
        Gradient ours = net.gradient();

        Map<String, NDArray> params = torch.learnable();
        params.values().forEach(p -> p.setRequiresGradient(true));
        double loss;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray l = torch.loss(torch.forward(torch.toTorch(x), true, null), torch.toTorch(labels));
            collector.backward(l);
            loss = l.toDoubleArray()[0];
        }
        double worst = 0;
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            String key = e.getKey();
            int cut = key.lastIndexOf('_');
            String vertex = key.substring(0, cut);
            // DL4J's gradients are sums over the batch; its updater divides by the batch size
            INDArray g = TorchLayout.toTorch(net.getLayer(vertex).conf().getLayer(), key.substring(cut + 1),
                    ours.getGradientFor(key)).divi(x.size(0));
            NDArray t = e.getValue().getGradient();
            double scale = Math.max(1.0, Transforms.abs(g).maxNumber().doubleValue());
            double diff = maxAbsDiff(g, t) / scale;
            worst = Math.max(worst, diff);
            if (diff > tolerance) {
                failures.add(key + " by " + String.format("%.3g", diff));
            }
        }
        assertTrue(failures.isEmpty(), "gradients differ (relative to max(1, largest)): " + failures);
        System.out.printf("%d parameter gradients match, largest difference %.3g%n", params.size(), worst);
        assertEquals(net.score(), loss, tolerance * Math.abs(loss), "loss");
    }

    private static double maxAbsDiff(INDArray ours, NDArray theirs) {
        assertEquals(java.util.Arrays.toString(ours.shape()), java.util.Arrays.toString(theirs.getShape().getShape()));
        double[] a = ours.dup('c').data().asDouble();
        double[] b = theirs.toType(DataType.FLOAT64, false).toDoubleArray();
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /** Fresh batch norms are nearly identities at inference; give their statistics and affine parameters values. */
    private static void randomiseBatchNorm(ComputationGraph net) {
        Nd4j.getRandom().setSeed(17);
        for (org.deeplearning4j.nn.api.Layer layer : net.getLayers()) {
            if (!(layer.conf().getLayer() instanceof BatchNormalization || layer.conf().getLayer() instanceof BatchNorm)) {
                continue;
            }
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                INDArray v = p.getValue();
                INDArray u = Nd4j.rand(v.dataType(), v.shape());
                switch (p.getKey()) {
                    case "gamma" -> v.assign(u.muli(0.4).addi(0.8));
                    case "beta", "mean" -> v.assign(u.subi(0.5).muli(0.2));
                    case "var" -> v.assign(u.addi(0.5));
                    // log10(sqrt(var))
                    case "log10stdev" -> v.assign(Transforms.log(u.addi(0.5), false).muli(0.5 / Math.log(10)));
                    default -> throw new IllegalStateException("unexpected batch norm parameter " + p.getKey());
                }
            }
        }
    }

    private static ModelConfig withoutDropout(ModelConfig c) {
        // DL4J and PyTorch would draw different dropout masks
        return new ModelConfig(c.name(), c.description(), c.architecture(), SIZE, CLASSES, c.stem(),
                new ModelConfig.Head(c.head().width(), 0.0), c.shiftMax(), c.ablation(), c.ops(), c.blocks(), c.mobilenet(),
                null, c.paper());
    }
}
