package org.micronet.layers;

import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.L2PenaltyF32;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * DL4J's L2 weight decay (the gradient gains coefficient * w before the updater, the score
 * coefficient / 2 * |w|^2), computed by {@link L2PenaltyF32} for FLOAT parameters. DL4J runs it
 * for every parameter array of every layer, for the gradient and for the score, and its own
 * class spends an ND4J op on each: M0 at 32x32, batch 20, on one thread fitted in 10-12 ms with
 * it against 6 ms without. Arrays the kernel cannot read in place, and DOUBLE ones (the gradient
 * checks'), take DL4J's ops; for the score, in place means contiguous in c or in f order.
 */
public class L2Penalty extends L2Regularization {
    private static final L2PenaltyF32 FAST = KernelProvider.fast(L2PenaltyF32.class, "L2PenaltyF32Vec");
    /** Per thread: a parameter array and its gradient, grown to the largest seen. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    public L2Penalty(double coefficient) {
        this(new FixedSchedule(coefficient));
    }

    @JsonCreator
    public L2Penalty(@JsonProperty("l2") ISchedule l2) {
        super(l2);
    }

    @Override
    public void apply(INDArray param, INDArray gradView, double lr, int iteration, int epoch) {
        L2PenaltyF32 k = KernelBridge.fastFor(FAST, param);
        if (k == null || gradView.dataType() != DataType.FLOAT
                || !KernelBridge.inPlace(param) || !KernelBridge.inPlace(gradView)) {
            super.apply(param, gradView, lr, iteration, epoch);
            return;
        }
        int n = Math.toIntExact(param.length());
        float[] g = KernelBridge.read(gradView, scratch(1, n));
        k.addGradient(KernelBridge.read(param, scratch(0, n)), g, (float) l2.valueAt(iteration, epoch), n);
        KernelBridge.assign(gradView, g);
    }

    @Override
    public double score(INDArray param, int iteration, int epoch) {
        L2PenaltyF32 k = KernelBridge.fastFor(FAST, param);
        if (k == null || !KernelBridge.contiguous(param)) {
            return super.score(param, iteration, epoch);
        }
        // the sum of squares reads the array in any order: DL4J's f-order dense weights (two thirds
        // of M0's parameters at 10 classes) cost 0.45 ms a score through ND4J's norm, twice a step
        int n = Math.toIntExact(param.length());
        return 0.5 * l2.valueAt(iteration, epoch) * k.sumOfSquares(KernelBridge.readInMemoryOrder(param, scratch(0, n)), n);
    }

    private static float[] scratch(int slot, int n) {
        return KernelBridge.atLeast(SCRATCH.get(), slot, n);
    }

    @Override
    public Regularization clone() {
        return new L2Penalty(l2.clone());
    }

    /** Equal to another L2Penalty of the same schedule only, so that DL4J's class and this one never pass for each other. */
    @Override
    public boolean equals(Object o) {
        return o instanceof L2Penalty p && p.l2.equals(l2);
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof L2Penalty;
    }

    @Override
    public int hashCode() {
        return Objects.hash(L2Penalty.class, l2);
    }

    @Override
    public String toString() {
        return "L2Penalty(" + l2 + ")";
    }
}
