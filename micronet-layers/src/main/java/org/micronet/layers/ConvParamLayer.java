package org.micronet.layers;

import org.deeplearning4j.nn.conf.layers.BaseLayer;

/**
 * Base of MicroNet's convolution configurations: the per-output-channel bias "b" they may
 * carry. MicroNet's convs have none (each is followed by batch norm); the bias is where
 * {@code BatchNormFolding} puts that batch norm's shift when it folds it in for inference.
 */
public abstract class ConvParamLayer extends ParamLayer {
    private boolean bias;

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

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvParamLayer other && super.equals(o) && bias == other.bias;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Boolean.hashCode(bias);
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
