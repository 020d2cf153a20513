package org.micronet.bench.kernels;

import java.util.Random;

/**
 * Shared by the kernel benchmarks: their random inputs, and the copies the old double reference
 * path paid on FLOAT arrays around every kernel call (what {@code KernelBridge.read} and
 * {@code write} did): a new widened copy of each input and a new narrowed copy of each output.
 * The reference timings call these inside the timed action, so that the old path is charged for them.
 */
final class BenchData {
    private BenchData() {
    }

    /** Normal values with standard deviation {@code sd}. */
    static float[] gauss(Random rnd, int length, double sd) {
        float[] a = new float[length];
        for (int i = 0; i < length; i++) {
            a[i] = (float) (rnd.nextGaussian() * sd);
        }
        return a;
    }

    /** A new double copy: what the reference path paid per input. */
    static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    static double[][] widen(float[][] a) {
        double[][] d = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            d[i] = widen(a[i]);
        }
        return d;
    }

    /** A new float copy: what the reference path paid per output. */
    static float[] narrow(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }
}
