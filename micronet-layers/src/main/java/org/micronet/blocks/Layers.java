package org.micronet.blocks;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.micronet.layers.AxialConv;
import org.micronet.layers.BatchNorm;
import org.micronet.layers.DepthwiseConv;
import org.micronet.layers.GroupAdaptivePointwiseConv;
import org.micronet.models.Ops;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;

/**
 * The standard layers MicroNet is made of, configured as the reference initialises them:
 * conv weights normal(0, sqrt(2 / (kh * kw * Cout))), no conv bias; linear weights
 * normal(0, 0.01), zero bias; batch norm gamma 1, beta 0, eps 1e-5, momentum 0.1.
 */
public final class Layers {
    private Layers() {
    }

    private static NormalDistribution convInit(int kh, int kw, int cout) {
        return new NormalDistribution(0, Math.sqrt(2.0 / (kh * kw * cout)));
    }

    public static Layer conv(int kh, int kw, int sh, int sw, int cin, int cout) {
        return new ConvolutionLayer.Builder(kh, kw).stride(sh, sw).padding(kh / 2, kw / 2)
                .nIn(cin).nOut(cout).hasBias(false).convolutionMode(ConvolutionMode.Truncate)
                .activation(Activation.IDENTITY).weightInit(convInit(kh, kw, cout)).build();
    }

    /**
     * A kh x kw depthwise conv with a depth multiplier: ours, or with {@link Ops#DL4J} DL4J's
     * DepthwiseConvolution2D. Both put output channel c * multiplier + j on input channel c.
     */
    public static Layer depthwise(Ops ops, int kh, int kw, int sh, int sw, int cin, int multiplier) {
        if (ops == Ops.MICRONET) {
            return new DepthwiseConv.Builder().kernel(kh, kw).stride(sh, sw).nIn(cin).multiplier(multiplier)
                    .weightInit(convInit(kh, kw, cin * multiplier)).build();
        }
        return new DepthwiseConvolution2D.Builder(kh, kw).stride(sh, sw).padding(kh / 2, kw / 2)
                .depthMultiplier(multiplier).nIn(cin).nOut((long) cin * multiplier).hasBias(false)
                .convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY)
                .weightInit(convInit(kh, kw, cin * multiplier)).build();
    }

    /**
     * A k x 1 (axis HEIGHT) or 1 x k (WIDTH) conv with stride along that axis and channel
     * groups: ours, or with {@link Ops#DL4J} DL4J's ConvolutionLayer (one group) or
     * DepthwiseConvolution2D (groups == cin), which have no other grouping.
     */
    public static Layer axialConv(Ops ops, AxialConv.Axis axis, int k, int stride, int cin, int cout, int groups) {
        if (ops == Ops.MICRONET) {
            return new AxialConv.Builder().axis(axis).kernel(k).stride(stride).nIn(cin).nOut(cout).groups(groups)
                    .weightInit(convInit(k, 1, cout)).build();
        }
        boolean height = axis == AxialConv.Axis.HEIGHT;
        int kh = height ? k : 1, kw = height ? 1 : k, sh = height ? stride : 1, sw = height ? 1 : stride;
        if (groups == 1) {
            return conv(kh, kw, sh, sw, cin, cout);
        }
        if (groups == cin && cout % cin == 0) {
            return depthwise(ops, kh, kw, sh, sw, cin, cout / cin);
        }
        throw new IllegalArgumentException("DL4J has no convolution with " + groups + " groups (in " + cin + ", out "
                + cout + "): use ops micronet");
    }

    public static Layer groupPointwise(int cin, int cout, int groups) {
        return new GroupAdaptivePointwiseConv.Builder().nIn(cin).nOut(cout).groups(groups)
                .weightInit(convInit(1, 1, cout)).build();
    }

    /**
     * Ours (PyTorch's running statistics: unbiased batch variance), or with {@link Ops#DL4J} DL4J's
     * BatchNormalization, keeping the variance itself as ours does so the two share parameter keys.
     */
    public static Layer batchNorm(Ops ops, int channels) {
        if (ops == Ops.MICRONET) {
            return new BatchNorm.Builder().channels(channels).eps(1e-5).momentum(0.1).build();
        }
        return new BatchNormalization.Builder().nIn(channels).nOut(channels).eps(1e-5).decay(0.9).useLogStd(false).build();
    }

    public static Layer linear(int in, int out) {
        return new DenseLayer.Builder().nIn(in).nOut(out).hasBias(true).activation(Activation.IDENTITY)
                .weightInit(new NormalDistribution(0, 0.01)).biasInit(0.0).build();
    }

    public static Layer activation(IActivation fn) {
        return new ActivationLayer.Builder().activation(fn).build();
    }
}
