package org.micronet.onnx;

import org.deeplearning4j.nn.api.Layer;
import org.micronet.layers.BatchNorm;
import org.micronet.layers.params.BatchNormParams;

import java.util.List;

import static org.micronet.onnx.OnnxGraph.attr;

/**
 * Our batch norm at inference as ONNX BatchNormalization: gamma, beta and the running mean and
 * variance (the variance itself, as PyTorch keeps it), with the layer's epsilon. ONNX takes
 * NCHW and (N, C) input alike, as our layer does.
 */
final class BatchNormExport {
    private BatchNormExport() {
    }

    static void add(OnnxGraph g, String name, String input, BatchNorm bn, Layer params) {
        long c = bn.getChannels();
        List<String> inputs = List.of(input,
                g.floats(name + "/" + BatchNormParams.GAMMA, params.getParam(BatchNormParams.GAMMA), c),
                g.floats(name + "/" + BatchNormParams.BETA, params.getParam(BatchNormParams.BETA), c),
                g.floats(name + "/" + BatchNormParams.MEAN, params.getParam(BatchNormParams.MEAN), c),
                g.floats(name + "/" + BatchNormParams.VAR, params.getParam(BatchNormParams.VAR), c));
        g.node("BatchNormalization", name, inputs, attr("epsilon", (float) bn.getEps()));
    }
}
