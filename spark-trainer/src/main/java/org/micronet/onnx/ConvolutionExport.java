package org.micronet.onnx;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.activations.impl.ActivationIdentity;

import java.util.ArrayList;
import java.util.List;

import static org.micronet.onnx.OnnxGraph.attr;

/**
 * DL4J's own ConvolutionLayer and DepthwiseConvolution2D as ONNX Conv: what {@code ops: dl4j},
 * the full depthwise conv of the Table 2 ablation and MobileNetV3-Small are built from. Only
 * NCHW with explicit padding (truncate or strict mode). A depthwise weight [kH, kW, C, m] becomes
 * [C * m, 1, kH, kW]: output channel c * m + j reads input channel c, as PyTorch's groups = C.
 */
final class ConvolutionExport {
    private ConvolutionExport() {
    }

    static void add(OnnxGraph g, String name, String input, ConvolutionLayer c, Layer params) {
        if (c.getCnn2dDataFormat() != CNN2DFormat.NCHW
                || c.getConvolutionMode() != ConvolutionMode.Truncate && c.getConvolutionMode() != ConvolutionMode.Strict) {
            throw new UnsupportedLayerException(name, c.getClass().getSimpleName() + " in " + c.getCnn2dDataFormat()
                    + " with convolution mode " + c.getConvolutionMode());
        }
        int[] k = c.getKernelSize(), s = c.getStride(), p = c.getPadding(), d = c.getDilation();
        INDArray w = params.getParam(ConvolutionParamInitializer.WEIGHT_KEY);
        long groups = 1;
        if (c instanceof DepthwiseConvolution2D dw) {
            groups = c.getNIn();
            w = w.permute(2, 3, 0, 1).dup('c');
            w = w.reshape('c', c.getNIn() * dw.getDepthMultiplier(), 1, k[0], k[1]);
        }
        List<String> inputs = new ArrayList<>(List.of(input, g.floats(name + "/W", w, w.shape())));
        if (c.hasBias()) {
            inputs.add(g.floats(name + "/b", params.getParam(ConvolutionParamInitializer.BIAS_KEY), c.getNOut()));
        }
        boolean identity = c.getActivationFn() instanceof ActivationIdentity;
        String conv = g.node("Conv", identity ? name : name + "/conv", inputs, attr("group", groups),
                attr("kernel_shape", k[0], k[1]), attr("strides", s[0], s[1]), attr("dilations", d[0], d[1]),
                attr("pads", p[0], p[1], p[0], p[1]));
        if (!identity) {
            ActivationExport.add(g, name, name, conv, c.getActivationFn());
        }
    }
}
