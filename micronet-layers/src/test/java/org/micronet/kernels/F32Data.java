package org.micronet.kernels;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Inputs and guarded outputs for testing float kernels against the double references. */
final class F32Data {
    /** NaN elements after each output's data, which a kernel must leave alone. */
    static final int GUARD = 19;

    private F32Data() {
    }

    /**
     * Exact mode: integers in -4..4, whose float sums stay exact, so results must equal the
     * reference. Random mode: standard normal values.
     */
    static float[] input(Random rng, int length, boolean exact) {
        float[] a = new float[length];
        for (int i = 0; i < length; i++) {
            a[i] = exact ? rng.nextInt(9) - 4 : (float) rng.nextGaussian();
        }
        return a;
    }

    /** An output or scratch array: NaN everywhere, GUARD longer than the data. */
    static float[] nan(int length) {
        float[] a = new float[length + GUARD];
        Arrays.fill(a, Float.NaN);
        return a;
    }

    static double[] widen(float[] a, int length) {
        double[] d = new double[length];
        for (int i = 0; i < length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    static void assertGuardIntact(float[] a, int length, String what) {
        for (int i = length; i < a.length; i++) {
            assertTrue(Float.isNaN(a[i]), what + ": wrote past its data at " + i);
        }
    }

    /** Every element equals the reference rounded to float. */
    static void assertExact(double[] ref, float[] fast, int length, String what) {
        for (int i = 0; i < length; i++) {
            if (Float.floatToIntBits((float) ref[i]) != Float.floatToIntBits(fast[i])) {
                fail(what + "[" + i + "]: " + fast[i] + ", reference " + ref[i]);
            }
        }
        assertGuardIntact(fast, length, what);
    }

    /** |fast - ref| <= 1e-5 * magnitude + 1e-7 per element, magnitude from the reference on absolute values. */
    static void assertClose(double[] ref, float[] fast, double[] magnitude, int length, String what) {
        for (int i = 0; i < length; i++) {
            double tol = 1e-5 * magnitude[i] + 1e-7;
            if (!(Math.abs(fast[i] - ref[i]) <= tol)) {
                fail(what + "[" + i + "]: " + fast[i] + ", reference " + ref[i] + ", tolerance " + tol);
            }
        }
        assertGuardIntact(fast, length, what);
    }
}
