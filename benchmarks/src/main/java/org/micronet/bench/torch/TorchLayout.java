package org.micronet.bench.torch;

import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.micronet.layers.AxialConv;
import org.micronet.layers.BatchNorm;
import org.micronet.layers.GroupAdaptivePointwiseConv;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * How a DL4J parameter array is laid out as the PyTorch tensor of the same role, and back.
 * Only the parameters PyTorch treats as learnable (not batch norm's running statistics) map.
 */
public final class TorchLayout {
    private TorchLayout() {
    }

    /**
     * The DL4J array (a parameter, or its gradient) in PyTorch's layout, c order.
     * Returns null for parameters without a learnable PyTorch counterpart.
     */
    public static INDArray toTorch(Layer conf, String key, INDArray dl4j) {
        if (conf instanceof DepthwiseConvolution2D && key.equals("W")) {
            // [kh, kw, in, multiplier] -> [in * multiplier, 1, kh, kw]; out channel = in * multiplier + m
            long[] s = dl4j.shape();
            return dl4j.permute(2, 3, 0, 1).dup('c').reshape('c', s[2] * s[3], 1, s[0], s[1]);
        }
        if (conf instanceof ConvolutionLayer && key.equals("W")) {
            return dl4j.dup('c');
        }
        if (conf instanceof AxialConv a) {
            // [cout, cin/G, k] -> [cout, cin/G, k, 1] (k x 1) or [cout, cin/G, 1, k] (1 x k)
            long[] s = dl4j.shape();
            return a.getAxis() == AxialConv.Axis.HEIGHT ? dl4j.dup('c').reshape('c', s[0], s[1], s[2], 1)
                    : dl4j.dup('c').reshape('c', s[0], s[1], 1, s[2]);
        }
        if (conf instanceof GroupAdaptivePointwiseConv) {
            long[] s = dl4j.shape();
            return dl4j.dup('c').reshape('c', s[0], s[1], 1, 1);
        }
        if (conf instanceof DenseLayer) {
            // W [in, out] -> [out, in]; b [1, out] -> [out]
            return key.equals("W") ? dl4j.transpose().dup('c') : dl4j.dup('c').reshape(dl4j.length());
        }
        if (conf instanceof BatchNormalization || conf instanceof BatchNorm) {
            return key.equals("gamma") || key.equals("beta") ? dl4j.dup('c').reshape(dl4j.length()) : null;
        }
        // DY-Shift-Max's W1 [C, s], b1, W2 [s, Q], b2, coef are used as they are
        return dl4j.dup('c');
    }

    /** Batch norm's running variance, whichever way the layer stores it. */
    public static INDArray runningVariance(Layer bn, INDArray varOrLog10Std) {
        if (bn instanceof BatchNorm || !((BatchNormalization) bn).isUseLogStd()) {
            return varOrLog10Std.dup('c').reshape(varOrLog10Std.length());
        }
        // DL4J keeps log10(std), std = sqrt(var), and adds eps when it normalises
        INDArray std = Transforms.exp(varOrLog10Std.reshape(varOrLog10Std.length()).mul(Math.log(10)), false);
        return std.muli(std);
    }
}
