package org.micronet.onnx;

import org.micronet.kernels.GroupedConvKernel;
import org.deeplearning4j.nn.api.Layer;
import org.micronet.layers.ConvParamLayer;
import org.micronet.layers.GroupedConv;
import org.micronet.layers.params.BlockParams;
import org.micronet.layers.params.GroupedConvParams;

import java.util.List;

import static org.micronet.onnx.OnnxGraph.attr;

/**
 * Our grouped convs as ONNX Conv with groups, padding kh/2, kw/2 and the bias if there is one: the k x 1 and
 * 1 x k halves of Micro-Factorized depthwise conv (and the stem's), and the k x k depthwise
 * conv (group = nIn). Their weights are PyTorch's layout, the axial ones without the unit
 * axis, so they at most gain it.
 */
final class GroupedConvExport {
    private GroupedConvExport() {
    }

    static void add(OnnxGraph g, String name, String input, GroupedConv c, Layer params, long height, long width) {
        GroupedConvKernel.Geometry k = c.geometry(1, (int) height, (int) width);
        String w = g.floats(name + "/" + GroupedConvParams.WEIGHT, params.getParam(GroupedConvParams.WEIGHT), k.cout(),
                k.cin() / k.groups(), k.kh(), k.kw());
        g.node("Conv", name, inputs(g, name, input, w, (ConvParamLayer) c, params),
                attr("group", (long) k.groups()),
                attr("kernel_shape", (long) k.kh(), (long) k.kw()),
                attr("strides", (long) k.sh(), (long) k.sw()),
                // begin and end of height, then of width
                attr("pads", (long) (k.kh() / 2), (long) (k.kw() / 2), (long) (k.kh() / 2), (long) (k.kw() / 2)));
    }

    /** A Conv node's inputs: the data, the weight and, where the layer has one, the bias. */
    static List<String> inputs(OnnxGraph g, String name, String input, String weight, ConvParamLayer c, Layer params) {
        if (!c.isBias()) {
            return List.of(input, weight);
        }
        return List.of(input, weight, g.floats(name + "/" + BlockParams.BIAS, params.getParam(BlockParams.BIAS),
                c.getNOut()));
    }
}
