package org.micronet.layers;

import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.random.impl.DropOutInverted;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Arrays;

/**
 * DL4J's {@link Dropout} (inverted: kept activations scaled by 1 / p, p the probability of
 * keeping one), with the same random draws and results, whose FLOAT mask starts as ones copied
 * in from a Java array: DL4J fills it with a scalar op, which made a buffer outside any
 * workspace every training step.
 */
public class InvertedDropout extends Dropout {
    /** At least as many ones as the largest mask filled; replaced, never written, when it grows. */
    private static volatile float[] ones = new float[0];

    /** @param p the probability of keeping an activation, as DL4J's Dropout takes it */
    public InvertedDropout(double p) {
        super(p);
    }

    @JsonCreator
    protected InvertedDropout(@JsonProperty("p") double p, @JsonProperty("pSchedule") ISchedule pSchedule) {
        super(p, pSchedule);
    }

    @Override
    public INDArray applyDropout(INDArray input, INDArray output, int iteration, int epoch, LayerWorkspaceMgr mgr) {
        if (input.dataType() != DataType.FLOAT || output.dataType() != DataType.FLOAT) {
            return super.applyDropout(input, output, iteration, epoch, mgr);
        }
        INDArray mask = mgr.createUninitialized(ArrayType.INPUT, DataType.FLOAT, output.shape(), output.ordering());
        if (!KernelBridge.inPlace(mask)) {
            return super.applyDropout(input, output, iteration, epoch, mgr);
        }
        KernelBridge.assign(mask, ones(mask.length()));
        setMask(mask);
        double p = getPSchedule() != null ? getPSchedule().valueAt(iteration, epoch) : getP();
        Nd4j.getExecutioner().exec(new DropOutInverted(mask, mask, p));
        Nd4j.getExecutioner().exec(new MulOp(input, mask, output));
        return output;
    }

    private static float[] ones(long n) {
        float[] a = ones;
        if (a.length < n) {
            a = new float[Math.toIntExact(n)];
            Arrays.fill(a, 1f);
            ones = a;
        }
        return a;
    }

    /** DL4J copies layer configurations with this before building a network: the copy must stay ours. */
    @Override
    public InvertedDropout clone() {
        return new InvertedDropout(getP(), getPSchedule() == null ? null : getPSchedule().clone());
    }

    /** Equal to another InvertedDropout of the same probability only, so that DL4J's class and this one never pass for each other. */
    @Override
    public boolean equals(Object o) {
        return o instanceof InvertedDropout && super.equals(o);
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof InvertedDropout;
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }
}
