package org.micronet.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.micronet.kernels.ShiftMaxKernel;
import org.micronet.kernels.api.ShiftMaxF32;
import org.micronet.layers.params.DynamicShiftMaxParams;
import org.micronet.layers.runtime.DynamicShiftMaxLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;

/**
 * Dynamic Shift-Max (paper Eq. 4) in its general form: the maximum of K fusions of J circular
 * group shifts, with per-sample, per-channel coefficients from the hyper-function
 * (pool, FC, ReLU, FC, hard sigmoid). The same layer covers the paper's other activations:
 * static Shift-Max ({@code dynamic = false}), dynamic ReLU (J = 1, K = 2) and SE
 * (J = 1, K = 1, actMax 0.5, offset 0.5, so the coefficient is the hard sigmoid itself).
 *
 * <p>Offsets are given per fusion for the unshifted input ({@code initA}) and for the first
 * shift ({@code initB}); further shifts start at 0.
 */
public class DynamicShiftMax extends ParamLayer {
    private int channels;
    private int shiftGroups;
    private int squeeze;
    private int shifts;
    private int fusions;
    private boolean dynamic = true;
    private double actMax;
    private double[] initA;
    private double[] initB;

    public DynamicShiftMax() {
    }

    private DynamicShiftMax(Builder b) {
        super(b);
        channels = b.channels;
        shiftGroups = b.shiftGroups;
        squeeze = b.squeeze;
        shifts = b.shifts;
        fusions = b.fusions;
        dynamic = b.dynamic;
        actMax = b.actMax;
        initA = b.initA;
        initB = b.initB;
        validate();
    }

    private void validate() {
        String name = layerName == null ? "DynamicShiftMax" : layerName;
        if (channels < 1 || shiftGroups < 1 || channels % shiftGroups != 0) {
            throw new IllegalArgumentException("Layer '" + name + "': shift groups " + shiftGroups
                    + " must divide the channel count " + channels);
        }
        if (shifts < 1 || fusions < 1) {
            throw new IllegalArgumentException("Layer '" + name + "': J and K must be >= 1, got J=" + shifts + " K=" + fusions);
        }
        if (dynamic && squeeze < 1) {
            throw new IllegalArgumentException("Layer '" + name + "': the hyper-function needs a squeeze width >= 1, got " + squeeze);
        }
        if (initA == null || initA.length != fusions || initB == null || initB.length != fusions) {
            throw new IllegalArgumentException("Layer '" + name + "': initA and initB need K = " + fusions
                    + " values each, got " + Arrays.toString(initA) + " and " + Arrays.toString(initB));
        }
    }

    /** Offsets per (k, j) at k*J + j, as {@link ShiftMaxKernel} takes them. */
    public double[] offsets() {
        double[] off = new double[fusions * shifts];
        for (int k = 0; k < fusions; k++) {
            off[k * shifts] = initA[k];
            if (shifts > 1) {
                off[k * shifts + 1] = initB[k];
            }
        }
        return off;
    }

    public ShiftMaxKernel kernel() {
        return new ShiftMaxKernel(channels, shiftGroups, squeeze, shifts, fusions, dynamic, actMax, offsets());
    }

    /** The settings the float kernel takes, built once per layer. */
    public ShiftMaxF32.Config f32Config() {
        return ShiftMaxF32.Config.of(channels, shiftGroups, squeeze, shifts, fusions, dynamic, actMax, offsets());
    }

    public int coefficientCount() {
        return fusions * shifts * channels;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int index, INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        return LayerWiring.wire(new DynamicShiftMaxLayer(conf, dataType), this, conf, listeners, index,
                paramsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return DynamicShiftMaxParams.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional in = convolutional(inputType, layerName);
        requireChannels(in, channels, layerName);
        return inputType;
    }

    public int getChannels() {
        return channels;
    }

    public void setChannels(int channels) {
        this.channels = channels;
    }

    public int getShiftGroups() {
        return shiftGroups;
    }

    public void setShiftGroups(int shiftGroups) {
        this.shiftGroups = shiftGroups;
    }

    public int getSqueeze() {
        return squeeze;
    }

    public void setSqueeze(int squeeze) {
        this.squeeze = squeeze;
    }

    public int getShifts() {
        return shifts;
    }

    public void setShifts(int shifts) {
        this.shifts = shifts;
    }

    public int getFusions() {
        return fusions;
    }

    public void setFusions(int fusions) {
        this.fusions = fusions;
    }

    public boolean isDynamic() {
        return dynamic;
    }

    public void setDynamic(boolean dynamic) {
        this.dynamic = dynamic;
    }

    public double getActMax() {
        return actMax;
    }

    public void setActMax(double actMax) {
        this.actMax = actMax;
    }

    public double[] getInitA() {
        return initA;
    }

    public void setInitA(double[] initA) {
        this.initA = initA;
    }

    public double[] getInitB() {
        return initB;
    }

    public void setInitB(double[] initB) {
        this.initB = initB;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DynamicShiftMax) || !super.equals(o)) {
            return false;
        }
        DynamicShiftMax d = (DynamicShiftMax) o;
        return channels == d.channels && shiftGroups == d.shiftGroups && squeeze == d.squeeze
                && shifts == d.shifts && fusions == d.fusions && dynamic == d.dynamic && actMax == d.actMax
                && Arrays.equals(initA, d.initA) && Arrays.equals(initB, d.initB);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), channels, shiftGroups, squeeze, shifts, fusions, dynamic, actMax,
                Arrays.hashCode(initA), Arrays.hashCode(initB));
    }

    public static class Builder extends BaseLayer.Builder<Builder> {
        private int channels;
        private int shiftGroups = 1;
        private int squeeze;
        private int shifts = 2;
        private int fusions = 2;
        private boolean dynamic = true;
        private double actMax = 2.0;
        private double[] initA = {1.0, 1.0};
        private double[] initB = {0.0, 0.0};

        public Builder channels(int channels) {
            this.channels = channels;
            return this;
        }

        public Builder shiftGroups(int shiftGroups) {
            this.shiftGroups = shiftGroups;
            return this;
        }

        /** Width s of the hyper-function's hidden layer. */
        public Builder squeeze(int squeeze) {
            this.squeeze = squeeze;
            return this;
        }

        /** J: how many group shifts (the input itself counts as the first). */
        public Builder shifts(int j) {
            this.shifts = j;
            return this;
        }

        /** K: how many fusions the maximum is taken over. */
        public Builder fusions(int k) {
            this.fusions = k;
            return this;
        }

        public Builder dynamic(boolean dynamic) {
            this.dynamic = dynamic;
            return this;
        }

        public Builder actMax(double actMax) {
            this.actMax = actMax;
            return this;
        }

        public Builder offsets(double[] initA, double[] initB) {
            this.initA = initA.clone();
            this.initB = initB.clone();
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public DynamicShiftMax build() {
            return new DynamicShiftMax(this);
        }
    }
}
