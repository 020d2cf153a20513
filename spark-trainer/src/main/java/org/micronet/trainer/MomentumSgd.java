package org.micronet.trainer;

import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.MomentumStepF32;
import org.micronet.layers.KernelBridge;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;

/**
 * SGD with classic (heavy-ball) momentum as PyTorch's {@code torch.optim.SGD}:
 * {@code v = momentum * v + g; w -= lr * v}. DL4J ships only Nesterov momentum, which is a
 * different update; the reference recipe uses this one. Weight decay is DL4J's L2
 * regularisation, added to the gradient before this step, as PyTorch's weight_decay does.
 * FLOAT arrays take {@link MomentumStepF32}, one pass with the same rounding as ND4J's four ops
 * (which made two scalar buffers outside any workspace per updater block, 26 blocks in M0).
 */
public final class MomentumSgd implements IUpdater {
    public static final String VELOCITY = "v";
    private static final MomentumStepF32 FAST = KernelProvider.fast(MomentumStepF32.class, "MomentumStepF32Vec");
    /** Per thread: a block's velocity and gradient, grown to the largest seen. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private ISchedule learningRate;
    private final double momentum;

    public MomentumSgd(@JsonProperty("learningRate") ISchedule learningRate, @JsonProperty("momentum") double momentum) {
        if (momentum < 0 || momentum >= 1) {
            throw new IllegalArgumentException("momentum " + momentum + ", expected 0 <= momentum < 1");
        }
        this.learningRate = Objects.requireNonNull(learningRate, "learningRate");
        this.momentum = momentum;
    }

    @JsonProperty("learningRate")
    public ISchedule getLearningRateSchedule() {
        return learningRate;
    }

    @JsonProperty("momentum")
    public double getMomentum() {
        return momentum;
    }

    @Override
    public long stateSize(long numParams) {
        return numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        Updater u = new Updater(this);
        u.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> state, boolean initializeStateArrays) {
        Updater u = new Updater(this);
        u.setState(state, initializeStateArrays);
        return u;
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRate.valueAt(iteration, epoch);
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    /** Replaces the schedule (a resumed run that was given more epochs needs a longer one). */
    @Override
    public void setLrAndSchedule(double lr, ISchedule schedule) {
        if (schedule == null) {
            throw new IllegalArgumentException("MomentumSgd follows a schedule; got a constant learning rate " + lr);
        }
        this.learningRate = schedule;
    }

    @Override
    public IUpdater clone() {
        return new MomentumSgd(learningRate.clone(), momentum);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MomentumSgd m && m.momentum == momentum && m.learningRate.equals(learningRate);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, momentum);
    }

    private static final class Updater implements GradientUpdater<MomentumSgd> {
        private final MomentumSgd config;
        private INDArray velocity;

        Updater(MomentumSgd config) {
            this.config = config;
        }

        @Override
        public MomentumSgd getConfig() {
            return config;
        }

        @Override
        public void setState(Map<String, INDArray> state, boolean initialize) {
            velocity = state.get(VELOCITY);
            if (velocity == null) {
                throw new IllegalStateException("momentum state has no '" + VELOCITY + "' array: " + state.keySet());
            }
            if (initialize) {
                velocity.assign(0);
            }
        }

        @Override
        public Map<String, INDArray> getState() {
            return Collections.singletonMap(VELOCITY, velocity);
        }

        @Override
        public void setStateViewArray(INDArray view, long[] shape, char order, boolean initialize) {
            if (initialize) {
                view.assign(0);
            }
            velocity = view.reshape(order, shape);
        }

        /** Turns the gradient into the step DL4J subtracts from the parameters. */
        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            double lr = config.learningRate.valueAt(iteration, epoch);
            MomentumStepF32 k = KernelBridge.fastFor(FAST, gradient);
            if (k != null && velocity.dataType() == DataType.FLOAT
                    && KernelBridge.inPlace(gradient) && KernelBridge.inPlace(velocity)) {
                int n = Math.toIntExact(gradient.length());
                float[][] scratch = SCRATCH.get();
                float[] v = KernelBridge.read(velocity, KernelBridge.atLeast(scratch, 0, n));
                float[] g = KernelBridge.read(gradient, KernelBridge.atLeast(scratch, 1, n));
                k.step(v, g, (float) config.momentum, (float) lr, n);
                KernelBridge.assign(velocity, v);
                KernelBridge.assign(gradient, g);
                return;
            }
            velocity.muli(config.momentum).addi(gradient);
            gradient.assign(velocity).muli(lr);
        }
    }
}
