package org.micronet.onnx;

import org.deeplearning4j.nn.api.Layer;
import org.micronet.kernels.FactorizedDepthwiseKernel;
import org.micronet.kernels.FusedActivation;
import org.micronet.layers.FoldedFactorizedDepthwise;
import org.micronet.layers.GroupAdaptivePointwiseConv;
import org.micronet.layers.params.FoldedFactorizedDepthwiseParams;
import org.micronet.layers.params.GroupAdaptivePointwiseConvParams;
import org.micronet.models.BatchNormActivationFusion;


import java.util.List;

import static org.micronet.onnx.OnnxGraph.attr;

/**
 * The group-adaptive 1 x 1 convs of Micro-Factorized pointwise convolution as ONNX Conv with
 * groups, the bias if there is one and the activation that inference folded into it (the k x 1
 * and 1 x k halves of its depthwise conv are {@link GroupedConvExport}'s), and its depthwise
 * conv as inference folds it (the two halves and the activation in one layer) as the two Convs
 * and the activation again. Our weights are PyTorch's layout without the unit axes, so they only
 * gain them.
 */
final class FactorizedConvExport {
    private FactorizedConvExport() {
    }

    static void pointwise(OnnxGraph g, String name, String input, GroupAdaptivePointwiseConv c, Layer params) {
        String w = g.floats(name + "/" + GroupAdaptivePointwiseConvParams.WEIGHT,
                params.getParam(GroupAdaptivePointwiseConvParams.WEIGHT), c.getNOut(), c.getNIn() / c.getGroups(), 1, 1);
        FusedActivation act = c.getActivation();
        String out = g.node("Conv", act == FusedActivation.NONE ? name : name + "/conv",
                GroupedConvExport.inputs(g, name, input, w, c, params), attr("group", (long) c.getGroups()),
                attr("kernel_shape", 1L, 1L));
        if (act != FusedActivation.NONE) {
            ActivationExport.add(g, name, name, out, BatchNormActivationFusion.activationOf(act));
        }
    }

    static void foldedDepthwise(OnnxGraph g, String name, String input, FoldedFactorizedDepthwise c, Layer params,
                                long height, long width) {
        FactorizedDepthwiseKernel.Geometry k = c.geometry(1, (int) height, (int) width);
        long pad = k.k() / 2;
        String firstWeight = g.floats(name + "/" + FoldedFactorizedDepthwiseParams.FIRST_WEIGHT,
                params.getParam(FoldedFactorizedDepthwiseParams.FIRST_WEIGHT), k.mid(), k.cin() / k.groups(), k.k(), 1);
        String firstBias = g.floats(name + "/" + FoldedFactorizedDepthwiseParams.FIRST_BIAS,
                params.getParam(FoldedFactorizedDepthwiseParams.FIRST_BIAS), k.mid());
        String mid = g.node("Conv", name + "/kx1", List.of(input, firstWeight, firstBias), attr("group", (long) k.groups()),
                attr("kernel_shape", (long) k.k(), 1L), attr("strides", (long) k.stride(), 1L),
                attr("pads", pad, 0L, pad, 0L));
        String secondWeight = g.floats(name + "/" + FoldedFactorizedDepthwiseParams.SECOND_WEIGHT,
                params.getParam(FoldedFactorizedDepthwiseParams.SECOND_WEIGHT), k.out(), 1, 1, k.k());
        String secondBias = g.floats(name + "/" + FoldedFactorizedDepthwiseParams.SECOND_BIAS,
                params.getParam(FoldedFactorizedDepthwiseParams.SECOND_BIAS), k.out());
        FusedActivation act = k.activation();
        String out = g.node("Conv", act == FusedActivation.NONE ? name : name + "/1xk",
                List.of(mid, secondWeight, secondBias), attr("group", (long) k.mid()), attr("kernel_shape", 1L, (long) k.k()),
                attr("strides", 1L, (long) k.stride()), attr("pads", 0L, pad, 0L, pad));
        if (act != FusedActivation.NONE) {
            ActivationExport.add(g, name, name, out, BatchNormActivationFusion.activationOf(act));
        }
    }
}
