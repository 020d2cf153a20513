package org.micronet.models;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.micronet.kernels.KernelProvider;
import org.micronet.layers.params.BatchNormParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole network in FLOAT, which runs the SIMD kernels, against the same network in DOUBLE,
 * which runs the double references: same outputs in inference and training mode, same loss
 * and the same gradient for every parameter, within float rounding. Catches a fast kernel
 * that passes its own tests but is wired wrongly into its layer (a stale scratch slot, a
 * gradient written to the wrong parameter).
 */
class FloatPathTest {

    @ParameterizedTest
    @ValueSource(strings = {"m0", "m3", "mobilenetv3-small-1.0"})
    void floatNetworkMatchesDoubleReference(String model) {
        assertTrue(KernelProvider.simd(), "surefire must start the JVM with --add-modules jdk.incubator.vector");
        ModelConfig cfg = withoutDropout(Models.bundled(model).withTask(32, 10));
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder().seed(11)
                .dataType(DataType.DOUBLE).updater(new NoOp());
        ComputationGraph reference = Models.create(cfg, base);
        breakTies(reference);
        ComputationGraph fast = reference.convertDataType(DataType.FLOAT);
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 6, 3, 32, 32);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 6, 10);
        for (int i = 0; i < 6; i++) {
            labels.putScalar(i, (i * 7) % 10, 1.0);
        }

        assertClose("inference output", reference.outputSingle(x), fast.outputSingle(x.castTo(DataType.FLOAT)), 1e-4, 0);
        assertClose("training output", reference.outputSingle(true, x), fast.outputSingle(true, x.castTo(DataType.FLOAT)), 1e-4, 0);

        reference.setInput(0, x);
        reference.setLabel(0, labels);
        reference.computeGradientAndScore();
        fast.setInput(0, x.castTo(DataType.FLOAT));
        fast.setLabel(0, labels.castTo(DataType.FLOAT));
        fast.computeGradientAndScore();
        assertEquals(reference.score(), fast.score(), 1e-4 * Math.abs(reference.score()), "loss");
        Gradient want = reference.gradient();
        Gradient got = fast.gradient();
        // a gradient that cancels to nearly zero (a first batch norm's gamma: 1e-11) is all float
        // noise, so each is held to a floor of the network's largest gradient
        double floor = 1e-4 * want.gradientForVariable().values().stream()
                .mapToDouble(g -> g.amaxNumber().doubleValue()).max().orElseThrow();
        for (Map.Entry<String, INDArray> e : want.gradientForVariable().entrySet()) {
            assertClose("gradient of " + e.getKey(), e.getValue(), got.getGradientFor(e.getKey()), 2e-3, floor);
        }
    }

    /**
     * At initialisation Dynamic Shift-Max's two fusion branches are nearly equal, so which one
     * wins its max, and so the gradient, is float rounding; noise on the weights (as training
     * leaves them) makes the winner a property of the network again.
     */
    private static void breakTies(ComputationGraph net) {
        Nd4j.getRandom().setSeed(12);
        for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
            String key = e.getKey().substring(e.getKey().lastIndexOf('_') + 1);
            if (!BatchNormParams.isRunningStatistic(key)) {
                e.getValue().addi(Nd4j.randn(DataType.DOUBLE, e.getValue().shape()).muli(0.05));
            }
        }
    }

    /** Dropout draws differ between the two networks; everything else is deterministic. */
    private static ModelConfig withoutDropout(ModelConfig c) {
        return new ModelConfig(c.name(), c.description(), c.architecture(), c.inputSize(), c.classes(), c.stem(),
                new ModelConfig.Head(c.head().width(), 0.0), c.shiftMax(), c.ablation(), c.ops(), c.blocks(),
                c.mobilenet(), c.expected(), c.paper());
    }

    /**
     * Within {@code rel} of the reference's largest magnitude (or of {@code floor}): float
     * rounding over a deep net, not an indexing slip.
     */
    private static void assertClose(String what, INDArray want, INDArray got, double rel, double floor) {
        double scale = Math.max(want.amaxNumber().doubleValue(), floor / rel);
        double err = want.sub(got.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(err <= rel * scale, what + ": max |float - double| " + err + " > " + rel + " x " + scale);
    }
}
