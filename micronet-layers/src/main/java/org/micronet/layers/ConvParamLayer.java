package org.micronet.layers;

import org.deeplearning4j.nn.conf.layers.BaseLayer;

import java.util.Arrays;

/**
 * Base of MicroNet's convolution configurations, with what {@code InferenceFolding} folds into
 * them: a per-output-channel bias "b" (MicroNet's convs have none, each is followed by batch
 * norm, whose shift it takes) and channel shuffles the conv reads its input through (the
 * shuffle layers before it, which then need no pass of their own).
 */
public abstract class ConvParamLayer extends ParamLayer {
    private boolean bias;
    private int[] inputShuffles = new int[0];

    protected ConvParamLayer() {
    }

    protected ConvParamLayer(Builder<?> builder) {
        super(builder);
        this.bias = builder.bias;
    }

    public abstract int getNOut();

    /** Whether the layer adds a bias per output channel. */
    public boolean isBias() {
        return bias;
    }

    public void setBias(boolean bias) {
        this.bias = bias;
    }

    /** The groups of the channel shuffles applied, in this order, to the input before the conv; none by default. */
    public int[] getInputShuffles() {
        return inputShuffles.clone();
    }

    public void setInputShuffles(int[] inputShuffles) {
        this.inputShuffles = inputShuffles.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvParamLayer other && super.equals(o) && bias == other.bias
                && Arrays.equals(inputShuffles, other.inputShuffles);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * super.hashCode() + Boolean.hashCode(bias)) + Arrays.hashCode(inputShuffles);
    }

    public abstract static class Builder<T extends Builder<T>> extends BaseLayer.Builder<T> {
        private boolean bias;

        /** Add a bias per output channel (default none); it starts at {@code biasInit}. */
        @SuppressWarnings("unchecked")
        public T bias(boolean bias) {
            this.bias = bias;
            return (T) this;
        }
    }
}
