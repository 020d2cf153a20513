package org.micronet.onnx;

import org.micronet.kernels.GroupedConvKernel;
import org.micronet.layers.GroupedConv;
import org.micronet.layers.params.GroupedConvParams;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.micronet.onnx.OnnxGraph.attr;

/**
 * Our grouped convs as ONNX Conv with groups, no bias and padding kh/2, kw/2: the k x 1 and
 * 1 x k halves of Micro-Factorized depthwise conv (and the stem's), and the k x k depthwise
 * conv (group = nIn). Their weights are PyTorch's layout, the axial ones without the unit
 * axis, so they at most gain it.
 */
final class GroupedConvExport {
    private GroupedConvExport() {
    }

    static void add(OnnxGraph g, String name, String input, GroupedConv c, INDArray weight, long height, long width) {
        GroupedConvKernel.Geometry k = c.geometry(1, (int) height, (int) width);
        String w = g.floats(name + "/" + GroupedConvParams.WEIGHT, weight, k.cout(), k.cin() / k.groups(), k.kh(),
                k.kw());
        g.node("Conv", name, List.of(input, w),
                attr("group", (long) k.groups()),
                attr("kernel_shape", (long) k.kh(), (long) k.kw()),
                attr("strides", (long) k.sh(), (long) k.sw()),
                // begin and end of height, then of width
                attr("pads", (long) (k.kh() / 2), (long) (k.kw() / 2), (long) (k.kh() / 2), (long) (k.kw() / 2)));
    }
}
