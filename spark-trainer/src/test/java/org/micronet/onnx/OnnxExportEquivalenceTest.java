package org.micronet.onnx;

import ai.onnxruntime.OrtSession;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.micronet.models.InferenceFolding;
import org.micronet.models.ModelConfig;
import org.micronet.models.Models;
import org.micronet.models.Ops;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * M0-M3 exported to ONNX and run by ONNX Runtime give DL4J's output on real images (and so do
 * the variants built from DL4J's own layers, static Shift-Max and MobileNetV3-Small). Every
 * parameter is random, the batch norms' running statistics too (at their initial 0 and 1 a
 * wrong batch norm export would pass), and every vertex is compared, so a failure names the
 * first layer that differs.
 */
class OnnxExportEquivalenceTest {
    private static final int CLASSES = 10;
    private static final int IMAGES = 4;
    /** On the probabilities, absolute. */
    private static final double OUTPUT_TOLERANCE = 1e-4;
    /** On every vertex, relative to the vertex's largest activation: float32 against our double kernels. */
    private static final double VERTEX_TOLERANCE = 1e-4;

    @ParameterizedTest(name = "{0} at {1}x{1}, ops {2}, folded {3}")
    @CsvSource({"m0, 224, MICRONET, false", "m1, 224, MICRONET, false", "m2, 224, MICRONET, false",
            "m3, 224, MICRONET, false", "m0, 64, MICRONET, false",
            // DL4J's own conv and batch-norm layers, a full depthwise conv, static Shift-Max, the baseline
            "m0, 64, DL4J, false", "table2-1-mobile, 64, MICRONET, false", "table2-5-static-shift-max, 64, MICRONET, false",
            "mobilenetv3-small-1.0, 224, MICRONET, false", "mobilenetv3-small-1.0, 64, DL4J, false",
            // the inference graphs predict and score run: batch norms and channel shuffles folded into convs,
            // depthwise pairs and their ReLU6 into one layer
            "m0, 64, MICRONET, true", "m3, 64, MICRONET, true", "mobilenetv3-small-1.0, 64, MICRONET, true"})
    void onnxRuntimeGivesOurOutput(String model, int size, Ops ops, boolean folded) throws Exception {
        ModelConfig cfg = Models.bundled(model).withTask(size, CLASSES).withOps(ops);
        ComputationGraph created = Models.create(cfg, Models.defaults(7));
        OnnxRuntimeCheck.randomise(created, 11);
        ComputationGraph net = folded ? InferenceFolding.fold(created) : created;
        INDArray x = OnnxRuntimeCheck.images(size, IMAGES);
        String input = net.getConfiguration().getNetworkInputs().get(0);
        Map<String, INDArray> ours = net.feedForward(x, false);
        ours.remove(input);
        INDArray expected = net.outputSingle(x);

        Onnx.ModelProto onnx = withEveryVertexAsOutput(OnnxConverter.convert(net, size, Map.of()), ours);
        Map<String, INDArray> theirs;
        try (OrtSession session = OnnxRuntimeCheck.session(onnx.toByteArray())) {
            theirs = OnnxRuntimeCheck.run(session, x, ours.keySet());
        }
        Set<String> overwritten = inputsOfActivationLayers(net);
        for (String vertex : net.getConfiguration().getTopologicalOrderStr()) {
            if (vertex.equals(input) || overwritten.contains(vertex)) {
                continue;
            }
            INDArray a = ours.get(vertex);
            double scale = Math.max(1, a.castTo(DataType.DOUBLE).amaxNumber().doubleValue());
            double diff = OnnxRuntimeCheck.maxAbsDiff(a, theirs.get(vertex));
            assertTrue(diff <= VERTEX_TOLERANCE * scale, model + ": vertex " + vertex + " differs first: max |DL4J - ORT| = "
                    + diff + " at activations up to " + scale);
        }
        String output = net.getConfiguration().getNetworkOutputs().get(0);
        double diff = OnnxRuntimeCheck.maxAbsDiff(expected, theirs.get(output));
        System.out.printf("%s at %d, ops %s: max |DL4J - ORT| on the probabilities %.3g (probabilities %.3g..%.3g)%n",
                model, size, ops, diff, expected.minNumber().doubleValue(), expected.maxNumber().doubleValue());
        assertTrue(diff <= OUTPUT_TOLERANCE, model + ": max |DL4J - ORT| on the probabilities = " + diff);
    }

    @Test
    void aLayerWithoutAnOnnxMappingIsNamed() {
        ComputationGraph net = new ComputationGraph(Models.defaults(7).graphBuilder().addInputs("input")
                .setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("pool", new SubsamplingLayer.Builder(2, 2).build(), "input")
                .addLayer("output", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "pool")
                .setOutputs("output").build());
        net.init();
        UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class,
                () -> OnnxConverter.convert(net, 8, Map.of()));
        assertEquals("cannot export vertex 'pool' to ONNX: SubsamplingLayer has no ONNX mapping", e.getMessage());
    }

    /**
     * Vertices whose activations DL4J's {@code feedForward} hands back already overwritten: an
     * ActivationLayer at inference applies its function in place on its input.
     */
    private static Set<String> inputsOfActivationLayers(ComputationGraph net) {
        Set<String> out = new HashSet<>();
        net.getConfiguration().getVertices().forEach((name, v) -> {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof ActivationLayer) {
                out.addAll(net.getConfiguration().getVertexInputs().get(name));
            }
        });
        return out;
    }

    /** The same model with every vertex's tensor also a graph output, so each layer can be compared. */
    private static Onnx.ModelProto withEveryVertexAsOutput(Onnx.ModelProto model, Map<String, INDArray> vertices) {
        Onnx.ModelProto.Builder b = model.toBuilder();
        List<String> declared = b.getGraph().getOutputList().stream().map(Onnx.ValueInfoProto::getName).toList();
        Map<String, Onnx.ValueInfoProto> extra = new LinkedHashMap<>();
        for (String name : vertices.keySet()) {
            if (!declared.contains(name)) {
                extra.put(name, Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                        .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT))).build());
            }
        }
        b.getGraphBuilder().addAllOutput(extra.values());
        return b.build();
    }
}
