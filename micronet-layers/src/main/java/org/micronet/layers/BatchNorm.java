package org.micronet.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.micronet.kernels.FusedActivation;
import org.micronet.layers.params.BatchNormParams;
import org.micronet.layers.runtime.BatchNormLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.Collection;
import java.util.Objects;

/**
 * Batch normalisation with PyTorch's semantics, over the channels of NCHW input or the columns
 * of 2-d input: training normalises with the batch mean and biased variance, and moves the
 * running statistics by {@code running = (1 - momentum) * running + momentum * batch}, with the
 * unbiased batch variance; inference uses the running statistics.
 *
 * <p>The running statistics are parameters to DL4J (see {@link BatchNormParams}) that no
 * updater and no regularisation may touch: their "gradient" is the step
 * {@code momentum * (running - batch)}, which a NoOp updater passes unchanged (and the layer
 * exempts from the division by the minibatch size), so that DL4J's {@code params -= update}
 * applies the moving average whatever updater the network uses. Being neither weights nor
 * biases keeps regularisation off them; gamma and beta get the network's L2 or weight decay
 * (for weights and for biases respectively), as PyTorch's weight_decay reaches them.
 *
 * <p>{@link #getActivation()} (none unless {@code BatchNormActivationFusion} sets it) is the
 * activation layer that alone read this one, computed in the same kernel pass.
 */
public class BatchNorm extends ParamLayer {
    private int channels;
    private double eps = 1e-5;
    private double momentum = 0.1;
    private FusedActivation activation = FusedActivation.NONE;

    public BatchNorm() {
    }

    private BatchNorm(Builder b) {
        super(b);
        channels = b.channels;
        eps = b.eps;
        momentum = b.momentum;
        String name = layerName == null ? "batch norm" : layerName;
        if (channels < 1 || !(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("Layer '" + name + "': needs channels >= 1, eps > 0 and momentum in [0, 1], got "
                    + channels + ", " + eps + ", " + momentum);
        }
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int index, INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        return LayerWiring.wire(new BatchNormLayer(conf, dataType), this, conf, listeners, index,
                paramsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return BatchNormParams.INSTANCE;
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return BatchNormParams.isRunningStatistic(paramName) ? new NoOp() : super.getUpdaterByParam(paramName);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType instanceof InputType.InputTypeFeedForward ff) {
            if (ff.getSize() != channels) {
                throw new IllegalArgumentException("Layer '" + layerName + "' is configured for " + channels
                        + " features but receives " + ff.getSize() + " (" + inputType + ")");
            }
            return inputType;
        }
        requireChannels(convolutional(inputType, layerName), channels, layerName);
        return inputType;
    }

    public int getChannels() {
        return channels;
    }

    public void setChannels(int channels) {
        this.channels = channels;
    }

    public double getEps() {
        return eps;
    }

    public void setEps(double eps) {
        this.eps = eps;
    }

    public double getMomentum() {
        return momentum;
    }

    public void setMomentum(double momentum) {
        this.momentum = momentum;
    }

    /** The activation applied to the normalised values; NONE: batch norm alone. */
    public FusedActivation getActivation() {
        return activation;
    }

    public void setActivation(FusedActivation activation) {
        this.activation = activation;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof BatchNorm) || !super.equals(o)) {
            return false;
        }
        BatchNorm other = (BatchNorm) o;
        return channels == other.channels && eps == other.eps && momentum == other.momentum
                && activation == other.activation;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), channels, eps, momentum, activation);
    }

    public static class Builder extends BaseLayer.Builder<Builder> {
        private int channels;
        private double eps = 1e-5;
        private double momentum = 0.1;

        public Builder channels(int channels) {
            this.channels = channels;
            return this;
        }

        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        /** PyTorch's momentum: the weight of the new batch in the running statistics. */
        public Builder momentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public BatchNorm build() {
            return new BatchNorm(this);
        }
    }
}
