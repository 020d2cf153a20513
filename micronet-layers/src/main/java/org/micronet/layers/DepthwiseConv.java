package org.micronet.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.micronet.kernels.GroupedConvKernel;
import org.micronet.layers.params.GroupedConvParams;
import org.micronet.layers.runtime.GroupedConvLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Objects;

/**
 * Depthwise convolution, kh x kw, with a depth multiplier (nOut = nIn * multiplier), padding
 * kh/2 and kw/2, no bias unless asked for: the k x k depthwise conv of MobileNetV3 and of the full-depthwise
 * ablation. Output channel c * multiplier + j reads input channel c, as in DL4J's
 * DepthwiseConvolution2D (which this replaces: it runs at a small fraction of the machine's
 * speed) and PyTorch's grouped conv; the weight is PyTorch's [nOut, 1, kh, kw].
 */
public class DepthwiseConv extends ConvParamLayer implements GroupedConv {
    private int nIn;
    private int nOut;
    private int kernelHeight;
    private int kernelWidth;
    private int strideHeight;
    private int strideWidth;

    public DepthwiseConv() {
    }

    private DepthwiseConv(Builder b) {
        super(b);
        nIn = b.nIn;
        nOut = b.nIn * b.multiplier;
        kernelHeight = b.kernelHeight;
        kernelWidth = b.kernelWidth;
        strideHeight = b.strideHeight;
        strideWidth = b.strideWidth;
        String name = layerName == null ? "depthwise conv" : layerName;
        if (kernelHeight < 1 || kernelWidth < 1 || strideHeight < 1 || strideWidth < 1) {
            throw new IllegalArgumentException("Layer '" + name + "': kernel " + kernelHeight + "x" + kernelWidth
                    + " and stride " + strideHeight + "x" + strideWidth + " must be >= 1");
        }
        if (nIn < 1 || b.multiplier < 1) {
            throw new IllegalArgumentException("Layer '" + name + "': channels " + nIn + " and multiplier "
                    + b.multiplier + " must be >= 1");
        }
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int index, INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        return LayerWiring.wire(new GroupedConvLayer<DepthwiseConv>(conf, dataType), this, conf, listeners, index,
                paramsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return GroupedConvParams.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional in = convolutional(inputType, layerName);
        requireChannels(in, nIn, layerName);
        GroupedConvKernel.Geometry g = geometry(1, (int) in.getHeight(), (int) in.getWidth());
        return InputType.convolutional(g.outHeight(), g.outWidth(), nOut);
    }

    @Override
    public GroupedConvKernel.Geometry geometry(int n, int height, int width) {
        return new GroupedConvKernel.Geometry(n, nIn, nOut, nIn, height, width, kernelHeight, kernelWidth,
                strideHeight, strideWidth);
    }

    @Override
    public long[] weightShape() {
        return new long[]{nOut, 1, kernelHeight, kernelWidth};
    }

    public long weightCount() {
        return (long) nOut * kernelHeight * kernelWidth;
    }

    public int getNIn() {
        return nIn;
    }

    public void setNIn(int nIn) {
        this.nIn = nIn;
    }

    @Override
    public int getNOut() {
        return nOut;
    }

    public void setNOut(int nOut) {
        this.nOut = nOut;
    }

    public int getMultiplier() {
        return nOut / nIn;
    }

    public int getKernelHeight() {
        return kernelHeight;
    }

    public void setKernelHeight(int kernelHeight) {
        this.kernelHeight = kernelHeight;
    }

    public int getKernelWidth() {
        return kernelWidth;
    }

    public void setKernelWidth(int kernelWidth) {
        this.kernelWidth = kernelWidth;
    }

    public int getStrideHeight() {
        return strideHeight;
    }

    public void setStrideHeight(int strideHeight) {
        this.strideHeight = strideHeight;
    }

    public int getStrideWidth() {
        return strideWidth;
    }

    public void setStrideWidth(int strideWidth) {
        this.strideWidth = strideWidth;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DepthwiseConv) || !super.equals(o)) {
            return false;
        }
        DepthwiseConv other = (DepthwiseConv) o;
        return nIn == other.nIn && nOut == other.nOut && kernelHeight == other.kernelHeight
                && kernelWidth == other.kernelWidth && strideHeight == other.strideHeight
                && strideWidth == other.strideWidth;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), nIn, nOut, kernelHeight, kernelWidth, strideHeight, strideWidth);
    }

    public static class Builder extends ConvParamLayer.Builder<Builder> {
        private int nIn;
        private int multiplier = 1;
        private int kernelHeight;
        private int kernelWidth;
        private int strideHeight = 1;
        private int strideWidth = 1;

        public Builder nIn(int nIn) {
            this.nIn = nIn;
            return this;
        }

        public Builder multiplier(int multiplier) {
            this.multiplier = multiplier;
            return this;
        }

        public Builder kernel(int height, int width) {
            this.kernelHeight = height;
            this.kernelWidth = width;
            return this;
        }

        public Builder stride(int height, int width) {
            this.strideHeight = height;
            this.strideWidth = width;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public DepthwiseConv build() {
            return new DepthwiseConv(this);
        }
    }
}
