package org.micronet.onnx;

import onnx.Onnx;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.micronet.layers.BatchNorm;
import org.micronet.layers.ChannelShuffle;
import org.micronet.layers.ConvParamLayer;
import org.micronet.layers.DynamicShiftMax;
import org.micronet.layers.FoldedFactorizedDepthwise;
import org.micronet.layers.GroupAdaptivePointwiseConv;
import org.micronet.layers.GroupedConv;
import org.micronet.layers.params.GroupAdaptivePointwiseConvParams;
import org.micronet.layers.params.GroupedConvParams;
import org.nd4j.linalg.activations.impl.ActivationIdentity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.micronet.onnx.OnnxGraph.attr;

/**
 * A MicroNet (or MobileNetV3-Small) {@link ComputationGraph} as a standard ONNX model (opset 13,
 * float32): the vertices in DL4J's topological order, each one's result a tensor named as the
 * vertex, weights as initializers. The input is NCHW float32 with a free batch dimension,
 * preprocessed as for our model; the output is what DL4J's {@code output()} gives (softmax
 * probabilities for our models). Inference only: dropout is the identity, the loss is left out.
 */
public final class OnnxConverter {
    public static final int OPSET = 13;
    /** The IR version that opset 13 came with (ONNX 1.8). */
    public static final long IR_VERSION = 7;
    public static final String PRODUCER = "micronet-on-spark";

    private OnnxConverter() {
    }

    /**
     * @param inputSize the square input the model was trained at (fixes the graph's spatial sizes)
     * @param metadata  written to the model's metadata_props in this order
     */
    public static Onnx.ModelProto convert(ComputationGraph net, int inputSize, Map<String, String> metadata) {
        ComputationGraphConfiguration conf = net.getConfiguration();
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            throw new IllegalArgumentException("ONNX export needs one input and one output, got inputs "
                    + conf.getNetworkInputs() + " and outputs " + conf.getNetworkOutputs());
        }
        Map<String, InputType> types = conf.getLayerActivationTypes(InputType.convolutional(inputSize, inputSize, 3));
        OnnxGraph g = new OnnxGraph();
        String input = conf.getNetworkInputs().get(0);
        g.input(input, 3, inputSize, inputSize);
        for (String name : conf.getTopologicalOrderStr()) {
            if (!name.equals(input)) {
                List<String> inputs = conf.getVertexInputs().get(name);
                vertex(g, net, name, conf.getVertices().get(name), inputs, types.get(inputs.get(0)));
            }
        }
        String output = conf.getNetworkOutputs().get(0);
        // DL4J types a loss layer's output by its unset nOut; it keeps its input's shape
        boolean loss = conf.getVertices().get(output) instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof LossLayer;
        g.output(output, dims(types.get(loss ? conf.getVertexInputs().get(output).get(0) : output)));
        g.proto().setName(output);
        Onnx.ModelProto.Builder model = Onnx.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName(PRODUCER)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(g.proto());
        metadata.forEach((k, v) -> model.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return model.build();
    }

    private static void vertex(OnnxGraph g, ComputationGraph net, String name, GraphVertex vertex, List<String> inputs,
                               InputType inputType) {
        if (vertex instanceof ElementWiseVertex ew) {
            if (ew.getOp() != ElementWiseVertex.Op.Add || inputs.size() != 2) {
                throw new UnsupportedLayerException(name, "element-wise " + ew.getOp() + " of " + inputs.size() + " inputs");
            }
            g.node("Add", name, inputs);
            return;
        }
        if (!(vertex instanceof LayerVertex lv)) {
            throw new UnsupportedLayerException(name, vertex.getClass().getSimpleName());
        }
        if (lv.getPreProcessor() != null) {
            throw new UnsupportedLayerException(name, "input preprocessor " + lv.getPreProcessor());
        }
        String in = inputs.get(0);
        Layer params = net.getLayer(name);
        org.deeplearning4j.nn.conf.layers.Layer layer = lv.getLayerConf().getLayer();
        if (layer instanceof ConvParamLayer conv) {
            // channel shuffles that InferenceFolding folded into the conv's reading
            long[] chw = dims(inputType);
            int[] shuffles = conv.getInputShuffles();
            for (int i = 0; i < shuffles.length; i++) {
                in = ChannelShuffleExport.add(g, name + "/input-shuffle-" + i, in, shuffles[i], chw[0], chw[1], chw[2]);
            }
        }
        if (layer instanceof GroupedConv c) {
            long[] chw = dims(inputType);
            GroupedConvExport.add(g, name, in, c, params, chw[1], chw[2]);
        } else if (layer instanceof FoldedFactorizedDepthwise c) {
            long[] chw = dims(inputType);
            FactorizedConvExport.foldedDepthwise(g, name, in, c, params, chw[1], chw[2]);
        } else if (layer instanceof GroupAdaptivePointwiseConv c) {
            FactorizedConvExport.pointwise(g, name, in, c, params);
        } else if (layer instanceof BatchNorm bn) {
            BatchNormExport.ours(g, name, in, bn, params);
        } else if (layer instanceof BatchNormalization bn) {
            BatchNormExport.dl4j(g, name, in, bn, params);
        } else if (layer instanceof ConvolutionLayer c) {
            ConvolutionExport.add(g, name, in, c, params);
        } else if (layer instanceof ChannelShuffle s) {
            long[] chw = dims(inputType);
            ChannelShuffleExport.add(g, name, in, s.getGroups(), chw[0], chw[1], chw[2]);
        } else if (layer instanceof DynamicShiftMax d) {
            DynamicShiftMaxExport.add(g, name, in, d, params);
        } else if (layer instanceof ActivationLayer a) {
            ActivationExport.add(g, name, name, in, a.getActivationFn());
        } else if (layer instanceof DenseLayer d) {
            dense(g, name, in, d, params);
        } else if (layer instanceof GlobalPoolingLayer p && p.getPoolingType() == PoolingType.AVG
                && p.isCollapseDimensions() && inputType instanceof InputType.InputTypeConvolutional) {
            String pooled = g.node("GlobalAveragePool", name + "/pool", List.of(in));
            g.node("Flatten", name, List.of(pooled), attr("axis", 1L));
        } else if (layer instanceof DropoutLayer) {
            g.node("Identity", name, List.of(in));
        } else if (layer instanceof LossLayer loss) {
            ActivationExport.add(g, name, name, in, loss.getActivationFn());
        } else {
            throw new UnsupportedLayerException(name, layer.getClass().getSimpleName());
        }
    }

    /** DL4J's dense layer is x W + b with W of shape [nIn, nOut]: Gemm without transposes. */
    private static void dense(OnnxGraph g, String name, String in, DenseLayer d, Layer params) {
        String w = DefaultParamInitializer.WEIGHT_KEY, b = DefaultParamInitializer.BIAS_KEY;
        List<String> inputs = new ArrayList<>(List.of(in, g.floats(name + "/" + w, params.getParam(w), d.getNIn(), d.getNOut())));
        if (d.hasBias()) {
            inputs.add(g.floats(name + "/" + b, params.getParam(b), d.getNOut()));
        }
        boolean identity = d.getActivationFn() instanceof ActivationIdentity;
        String product = g.node("Gemm", identity ? name : name + "/gemm", inputs);
        if (!identity) {
            ActivationExport.add(g, name, name, product, d.getActivationFn());
        }
    }

    /** The dimensions after the batch: [C, H, W] or [size]. */
    private static long[] dims(InputType type) {
        if (type instanceof InputType.InputTypeConvolutional c) {
            return new long[]{c.getChannels(), c.getHeight(), c.getWidth()};
        }
        if (type instanceof InputType.InputTypeFeedForward f) {
            return new long[]{f.getSize()};
        }
        throw new IllegalArgumentException("ONNX export: unexpected activation type " + type);
    }
}
