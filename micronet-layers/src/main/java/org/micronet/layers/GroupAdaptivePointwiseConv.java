package org.micronet.layers;

import org.micronet.kernels.FusedActivation;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.micronet.layers.params.GroupAdaptivePointwiseConvParams;
import org.micronet.layers.runtime.GroupAdaptivePointwiseConvLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Objects;

/**
 * Group-adaptive pointwise convolution: a 1x1 convolution, no bias unless asked for, whose
 * weight is block-diagonal over G groups (the building block of Micro-Factorized pointwise
 * convolution).
 * The group count is given, or derived from lambda by {@link GroupCount#adaptive}.
 */
public class GroupAdaptivePointwiseConv extends ConvParamLayer {
    private int nIn;
    private int nOut;
    private int groups;
    private FusedActivation activation = FusedActivation.NONE;

    public GroupAdaptivePointwiseConv() {
    }

    private GroupAdaptivePointwiseConv(Builder b) {
        super(b);
        this.nIn = b.nIn;
        this.nOut = b.nOut;
        String name = layerName == null ? "group pointwise conv" : layerName;
        this.groups = b.lambda > 0 ? GroupCount.adaptive(b.lambda, b.nIn, b.nOut, name)
                : GroupCount.validate(b.groups, b.nIn, b.nOut, name);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int index, INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        return LayerWiring.wire(new GroupAdaptivePointwiseConvLayer(conf, dataType), this, conf, listeners, index,
                paramsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return GroupAdaptivePointwiseConvParams.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional in = convolutional(inputType, layerName);
        requireChannels(in, nIn, layerName);
        return InputType.convolutional(in.getHeight(), in.getWidth(), nOut);
    }

    public long weightCount() {
        return (long) nOut * (nIn / groups);
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

    public int getGroups() {
        return groups;
    }

    public void setGroups(int groups) {
        this.groups = groups;
    }

    /**
     * The activation applied to the output (after the bias) in the same pass; NONE unless
     * {@code InferenceFolding} folded the batch norm after this conv, and the activation fused
     * into that batch norm, into it.
     */
    public FusedActivation getActivation() {
        return activation;
    }

    public void setActivation(FusedActivation activation) {
        this.activation = activation;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof GroupAdaptivePointwiseConv) || !super.equals(o)) {
            return false;
        }
        GroupAdaptivePointwiseConv other = (GroupAdaptivePointwiseConv) o;
        return nIn == other.nIn && nOut == other.nOut && groups == other.groups && activation == other.activation;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), nIn, nOut, groups, activation);
    }

    public static class Builder extends ConvParamLayer.Builder<Builder> {
        private int nIn;
        private int nOut;
        private int groups = 1;
        private double lambda;

        public Builder nIn(int nIn) {
            this.nIn = nIn;
            return this;
        }

        public Builder nOut(int nOut) {
            this.nOut = nOut;
            return this;
        }

        public Builder groups(int groups) {
            this.groups = groups;
            this.lambda = 0;
            return this;
        }

        /** Derive the group count as lambda * sqrt(C/R) (see {@link GroupCount#adaptive}). */
        public Builder adaptiveGroups(double lambda) {
            this.lambda = lambda;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public GroupAdaptivePointwiseConv build() {
            return new GroupAdaptivePointwiseConv(this);
        }
    }
}
