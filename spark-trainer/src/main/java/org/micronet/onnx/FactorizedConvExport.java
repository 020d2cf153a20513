package org.micronet.onnx;

import org.micronet.layers.AxialConv;
import org.micronet.layers.GroupAdaptivePointwiseConv;
import org.micronet.layers.params.GroupAdaptivePointwiseConvParams;
import org.micronet.layers.params.GroupedConvParams;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.micronet.onnx.OnnxGraph.attr;

/**
 * The two halves of Micro-Factorized convolution as ONNX Conv with groups and no bias: the k x 1
 * and 1 x k depthwise convs (and the stem's) with padding k/2 and stride along their axis, and
 * the group-adaptive 1 x 1 convs. Our weights are PyTorch's layout without the unit axes, so
 * they only gain them.
 */
final class FactorizedConvExport {
    private FactorizedConvExport() {
    }

    static void axial(OnnxGraph g, String name, String input, AxialConv c, INDArray weight) {
        int k = c.getKernel(), s = c.getStride(), p = k / 2;
        boolean height = c.getAxis() == AxialConv.Axis.HEIGHT;
        long[] dims = height ? new long[]{c.getNOut(), c.getNIn() / c.getGroups(), k, 1}
                : new long[]{c.getNOut(), c.getNIn() / c.getGroups(), 1, k};
        String w = g.floats(name + "/" + GroupedConvParams.WEIGHT, weight, dims);
        g.node("Conv", name, List.of(input, w),
                attr("group", (long) c.getGroups()),
                attr("kernel_shape", dims[2], dims[3]),
                attr("strides", height ? new long[]{s, 1} : new long[]{1, s}),
                // begin and end of height, then of width
                attr("pads", height ? new long[]{p, 0, p, 0} : new long[]{0, p, 0, p}));
    }

    static void pointwise(OnnxGraph g, String name, String input, GroupAdaptivePointwiseConv c, INDArray weight) {
        String w = g.floats(name + "/" + GroupAdaptivePointwiseConvParams.WEIGHT, weight,
                c.getNOut(), c.getNIn() / c.getGroups(), 1, 1);
        g.node("Conv", name, List.of(input, w), attr("group", (long) c.getGroups()), attr("kernel_shape", 1L, 1L));
    }
}
