package org.micronet.trainer;

import org.junit.jupiter.api.Test;
import org.micronet.kernels.KernelProvider;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.schedule.FixedSchedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MomentumSgd}'s kernel path (c-order FLOAT views, the only kind DL4J's updater blocks
 * hand it) against its ND4J path (f-order arrays, which the kernel cannot read in place): the
 * same steps to the bit, and PyTorch's heavy-ball arithmetic in double.
 */
class MomentumSgdTest {
    private static final double LR = 0.05;
    private static final double MOMENTUM = 0.9;

    @Test
    void kernelAndNd4jPathsTakeTheSameStepsToTheBit() {
        assertTrue(KernelProvider.simd(), "the tests' JVM runs the SIMD kernels (surefire's --add-modules)");
        MomentumSgd sgd = new MomentumSgd(new FixedSchedule(LR), MOMENTUM);
        // 7 x 37: not a multiple of any vector width
        INDArray stateC = Nd4j.create(DataType.FLOAT, 7, 37);
        INDArray stateF = Nd4j.create(DataType.FLOAT, new long[]{7, 37}, 'f');
        GradientUpdater<?> kernel = sgd.instantiate(stateC, true);
        GradientUpdater<?> nd4j = sgd.instantiate(stateF, true);
        double[] velocity = new double[7 * 37];
        Nd4j.getRandom().setSeed(11);
        for (int step = 0; step < 3; step++) {
            INDArray g = Nd4j.randn(DataType.FLOAT, 7, 37);
            double[] before = g.dup().data().asDouble();
            INDArray gC = g.dup('c');
            INDArray gF = g.dup('f');
            kernel.applyUpdater(gC, step, 0);
            nd4j.applyUpdater(gF, step, 0);
            assertArrayEquals(values(gF), values(gC), "step " + step);
            assertArrayEquals(values(stateF), values(stateC), "velocity after step " + step);
            float[] stepTaken = values(gC);
            for (int i = 0; i < velocity.length; i++) {
                velocity[i] = MOMENTUM * velocity[i] + before[i];
                assertEquals(LR * velocity[i], stepTaken[i], 1e-6 * (1 + Math.abs(LR * velocity[i])), "element " + i);
            }
        }
    }

    /** The values in c order. */
    private static float[] values(INDArray a) {
        return a.dup('c').data().asFloat();
    }
}
