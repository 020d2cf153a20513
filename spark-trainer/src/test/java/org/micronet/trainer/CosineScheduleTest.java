package org.micronet.trainer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.junit.jupiter.api.Test;
import org.micronet.models.Models;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CosineScheduleTest {

    @Test
    void equalsTheClosedFormAtEveryIteration() {
        double peak = 0.2;
        int warmup = 5, total = 40;
        CosineSchedule s = new CosineSchedule(peak, warmup, total);
        for (int i = 0; i < total + 3; i++) {
            double expected = i < warmup ? peak * (i + 1) / warmup
                    : 0.5 * peak * (1 + Math.cos(Math.PI * Math.min(1.0, (i - warmup) / (double) (total - warmup))));
            assertEquals(expected, s.valueAt(i, i / 10), 1e-15, "iteration " + i);
        }
        assertEquals(peak, s.valueAt(warmup, 0), 1e-15, "the peak right after warm-up");
        assertEquals(0.0, s.valueAt(total, 4), 1e-15, "zero at the end");
        CosineSchedule noWarmup = new CosineSchedule(0.1, 0, 10);
        assertEquals(0.1, noWarmup.valueAt(0, 0), 1e-15);
    }

    @Test
    void rejectsImpossibleSettings() {
        assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(0.1, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(0, 0, 10));
    }

    @Test
    void momentumSgdMatchesTorchOptimSgd() {
        // torch.optim.SGD(momentum=0.9): v = 0.9 v + g; w -= lr * v (lr from the schedule)
        MomentumSgd sgd = new MomentumSgd(new CosineSchedule(0.5, 0, 4), 0.9);
        INDArray state = Nd4j.zeros(DataType.DOUBLE, 1, 2);
        GradientUpdater<?> u = sgd.instantiate(state, true);
        double[] v = {0, 0};
        double[][] grads = {{1, -2}, {0.5, 0.5}, {-1, 3}};
        for (int it = 0; it < grads.length; it++) {
            INDArray g = Nd4j.createFromArray(grads[it].clone()).castTo(DataType.DOUBLE).reshape(1, 2);
            u.applyUpdater(g, it, 0);
            double lr = 0.5 * 0.5 * (1 + Math.cos(Math.PI * it / 4.0));
            for (int j = 0; j < 2; j++) {
                v[j] = 0.9 * v[j] + grads[it][j];
            }
            assertArrayEquals(new double[]{lr * v[0], lr * v[1]}, g.toDoubleVector(), 1e-12, "step " + it);
        }
    }

    @Test
    void scheduleAndUpdaterTravelWithTheModelConfiguration() {
        MomentumSgd sgd = new MomentumSgd(new CosineSchedule(0.1, 3, 30), 0.9);
        ComputationGraphConfiguration conf = Models.graph(Models.bundled("m0"), Models.defaults(1).updater(sgd));
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
    }
}
