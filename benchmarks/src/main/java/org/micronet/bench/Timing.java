package org.micronet.bench;

import java.util.Arrays;

/** Repeats an action, after warm-up runs, and keeps the median wall time. */
public final class Timing {
    private Timing() {
    }

    /** Median seconds of {@code runs} timed calls after {@code warmup} untimed ones. */
    public static double medianSeconds(int warmup, int runs, Runnable action) {
        for (int i = 0; i < warmup; i++) {
            action.run();
        }
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            action.run();
            t[i] = (System.nanoTime() - start) / 1e9;
        }
        Arrays.sort(t);
        return runs % 2 == 1 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
    }
}
