package org.micronet.models;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.micronet.kernels.FusedActivation;
import org.micronet.layers.BatchNorm;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training graph, with activations fused into the batch norms before them, computes what the
 * reference graph computes: every shared vertex's training-mode output (a fused batch norm's is
 * its former activation's) and every parameter's gradient, in double (the reference kernels) and
 * in float (the SIMD kernels against DL4J's activation layers).
 */
class BatchNormActivationFusionTest {

    /** Fused: M0's ReLU6 after its first pair and its two hard swishes; M3 has nine ReLU6s; MobileNetV3 23. */
    @ParameterizedTest(name = "{0} in {1}")
    @CsvSource({"m0,DOUBLE,1e-10,3", "m0,FLOAT,1e-4,3", "m3,FLOAT,1e-4,11", "mobilenetv3-small-1.0,DOUBLE,1e-10,23"})
    void fusedGraphTrainsAsTheReferenceGraph(String model, DataType type, double tolerance, int fused) {
        ModelConfig cfg = Models.bundled(model).withTask(32, 10);
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder().seed(3).dataType(type)
                .updater(new NoOp());
        ComputationGraph reference = new ComputationGraph(Models.referenceGraph(cfg, base));
        reference.init();
        ComputationGraph net = Models.create(cfg, base);

        Map<String, String> activationOf = fusedActivations(reference, net);
        assertEquals(fused, activationOf.size(), "batch norms with their activation fused: " + activationOf.keySet());
        assertEquals(reference.getVertices().length - fused, net.getVertices().length, "vertices");
        reference.paramTable().forEach((key, p) -> net.getParam(key).assign(p));

        INDArray x = Nd4j.randn(type, 4, 3, 32, 32);
        INDArray labels = Nd4j.zeros(type, 4, 10);
        for (int i = 0; i < 4; i++) {
            labels.putScalar(i, i * 3, 1);
        }
        Nd4j.getRandom().setSeed(9);
        Map<String, INDArray> want = reference.feedForward(x, true);
        Nd4j.getRandom().setSeed(9);
        Map<String, INDArray> got = net.feedForward(x, true);
        got.forEach((name, a) -> assertClose(name, want.get(activationOf.getOrDefault(name, name)), a, tolerance));

        for (ComputationGraph g : List.of(reference, net)) {
            g.setInputs(x);
            g.setLabels(labels);
            Nd4j.getRandom().setSeed(9);
            g.computeGradientAndScore();
        }
        // against the largest gradient: some are rounding noise around 0 (a batch norm's gamma that the
        // next batch norm normalises away)
        Map<String, INDArray> grads = net.gradient().gradientForVariable();
        double scale = reference.gradient().gradient().castTo(DataType.DOUBLE).amaxNumber().doubleValue();
        reference.gradient().gradientForVariable().forEach((key, g) -> {
            double err = g.castTo(DataType.DOUBLE).sub(grads.get(key).castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
            assertTrue(err <= tolerance * scale, "gradient " + key + ": max |fused - reference| " + err + " > "
                    + tolerance + " x " + scale);
        });
    }

    /** Each fused batch norm of {@code net} -> the activation vertex of {@code reference} it took in. */
    private static Map<String, String> fusedActivations(ComputationGraph reference, ComputationGraph net) {
        Map<String, List<String>> inputs = reference.getConfiguration().getVertexInputs();
        Map<String, String> fused = new java.util.TreeMap<>();
        net.getConfiguration().getVertices().forEach((name, v) -> {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BatchNorm bn
                    && bn.getActivation() != FusedActivation.NONE) {
                String activation = inputs.entrySet().stream().filter(e -> e.getValue().equals(List.of(name)))
                        .map(Map.Entry::getKey).findFirst().orElseThrow();
                LayerVertex was = (LayerVertex) reference.getConfiguration().getVertices().get(activation);
                assertTrue(was.getLayerConf().getLayer() instanceof ActivationLayer, name + " read by " + activation);
                fused.put(name, activation);
            }
        });
        return fused;
    }

    private static void assertClose(String what, INDArray want, INDArray got, double rel) {
        double scale = Math.max(1e-12, want.castTo(DataType.DOUBLE).amaxNumber().doubleValue());
        double err = want.castTo(DataType.DOUBLE).sub(got.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(err <= rel * scale, what + ": max |fused - reference| " + err + " > " + rel + " x " + scale);
    }
}
