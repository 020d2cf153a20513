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
 * Convolution along one spatial axis (k x 1 or 1 x k) with channel groups, padding k/2 and
 * no bias unless asked for: the two halves of Micro-Factorized depthwise conv and of the stem. DL4J's
 * DepthwiseConvolution2D and ConvolutionLayer compute these at a small fraction of the
 * machine's speed; {@link GroupedConvKernel} does them as vectorisable passes over rows.
 */
public class AxialConv extends ConvParamLayer implements GroupedConv {
    /** The axis the kernel and the stride run along. */
    public enum Axis {
        /** A k x 1 kernel. */
        HEIGHT,
        /** A 1 x k kernel. */
        WIDTH
    }

    private int nIn;
    private int nOut;
    private int kernel;
    private Axis axis;
    private int stride;
    private int groups;

    public AxialConv() {
    }

    private AxialConv(Builder b) {
        super(b);
        nIn = b.nIn;
        nOut = b.nOut;
        kernel = b.kernel;
        axis = b.axis;
        stride = b.stride;
        String name = layerName == null ? "axial conv" : layerName;
        if (axis == null) {
            throw new IllegalArgumentException("Layer '" + name + "': axis must be HEIGHT or WIDTH");
        }
        if (kernel < 1 || stride < 1) {
            throw new IllegalArgumentException("Layer '" + name + "': kernel " + kernel + " and stride " + stride
                    + " must be >= 1");
        }
        if (nIn < 1 || nOut < 1) {
            throw new IllegalArgumentException("Layer '" + name + "': channel counts must be >= 1 (in " + nIn
                    + ", out " + nOut + ")");
        }
        groups = GroupCount.validate(b.groups, nIn, nOut, name);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int index, INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        return LayerWiring.wire(new GroupedConvLayer<AxialConv>(conf, dataType), this, conf, listeners, index, paramsView,
                initializeParams);
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
        return GroupedConvKernel.Geometry.axial(n, nIn, nOut, groups, height, width, kernel, stride,
                axis == Axis.HEIGHT);
    }

    /** [nOut, nIn/G, k]: PyTorch's conv weight without the unit axis. */
    @Override
    public long[] weightShape() {
        return new long[]{nOut, nIn / groups, kernel};
    }

    public long weightCount() {
        return (long) nOut * (nIn / groups) * kernel;
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

    public int getKernel() {
        return kernel;
    }

    public void setKernel(int kernel) {
        this.kernel = kernel;
    }

    public Axis getAxis() {
        return axis;
    }

    public void setAxis(Axis axis) {
        this.axis = axis;
    }

    public int getStride() {
        return stride;
    }

    public void setStride(int stride) {
        this.stride = stride;
    }

    public int getGroups() {
        return groups;
    }

    public void setGroups(int groups) {
        this.groups = groups;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AxialConv) || !super.equals(o)) {
            return false;
        }
        AxialConv other = (AxialConv) o;
        return nIn == other.nIn && nOut == other.nOut && kernel == other.kernel && axis == other.axis
                && stride == other.stride && groups == other.groups;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), nIn, nOut, kernel, axis, stride, groups);
    }

    public static class Builder extends ConvParamLayer.Builder<Builder> {
        private int nIn;
        private int nOut;
        private int kernel;
        private Axis axis;
        private int stride = 1;
        private int groups = 1;

        public Builder nIn(int nIn) {
            this.nIn = nIn;
            return this;
        }

        public Builder nOut(int nOut) {
            this.nOut = nOut;
            return this;
        }

        public Builder kernel(int kernel) {
            this.kernel = kernel;
            return this;
        }

        public Builder axis(Axis axis) {
            this.axis = axis;
            return this;
        }

        public Builder stride(int stride) {
            this.stride = stride;
            return this;
        }

        /** Channel groups; nIn gives a depthwise conv with multiplier nOut / nIn. */
        public Builder groups(int groups) {
            this.groups = groups;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public AxialConv build() {
            return new AxialConv(this);
        }
    }
}
