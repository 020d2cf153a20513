package org.micronet.onnx;

import org.deeplearning4j.nn.api.Layer;
import org.micronet.layers.GroupAdaptivePointwiseConv;
import org.micronet.layers.params.GroupAdaptivePointwiseConvParams;

import static org.micronet.onnx.OnnxGraph.attr;

/**
 * The group-adaptive 1 x 1 convs of Micro-Factorized pointwise convolution as ONNX Conv with
 * groups and the bias if there is one (the k x 1 and 1 x k halves of its depthwise conv are
 * {@link GroupedConvExport}'s). Our weights are PyTorch's layout without the unit axes, so they
 * only gain them.
 */
final class FactorizedConvExport {
    private FactorizedConvExport() {
    }

    static void pointwise(OnnxGraph g, String name, String input, GroupAdaptivePointwiseConv c, Layer params) {
        String w = g.floats(name + "/" + GroupAdaptivePointwiseConvParams.WEIGHT,
                params.getParam(GroupAdaptivePointwiseConvParams.WEIGHT), c.getNOut(), c.getNIn() / c.getGroups(), 1, 1);
        g.node("Conv", name, GroupedConvExport.inputs(g, name, input, w, c, params), attr("group", (long) c.getGroups()),
                attr("kernel_shape", 1L, 1L));
    }
}
