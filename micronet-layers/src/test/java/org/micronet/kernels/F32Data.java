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

    /**
     * An input as {@link #input}, followed by {@code nanTail} NaN elements the kernel must not
     * read: a read past the data turns its result into NaN.
     */
    static float[] inputWithNanTail(Random rng, int length, boolean exact, int nanTail) {
        float[] a = Arrays.copyOf(input(rng, length, exact), length + nanTail);
        Arrays.fill(a, length, a.length, Float.NaN);
        return a;
    }

    /** An output or scratch array: NaN everywhere, GUARD longer than the data. */
    static float[] nan(int length) {
        return filled(length, Float.NaN, GUARD);
    }

    /**
     * An output: {@code fill} (NaN, or garbage a kernel must overwrite) over the data, then
     * {@code nanTail} NaN elements the kernel must leave alone ({@link #assertGuardIntact}).
     */
    static float[] filled(int length, float fill, int nanTail) {
        float[] a = new float[length + nanTail];
        Arrays.fill(a, 0, length, fill);
        Arrays.fill(a, length, a.length, Float.NaN);
        return a;
    }

    static double[] widen(float[] a) {
        return widen(a, a.length);
    }

    static double[] widen(float[] a, int length) {
        double[] d = new double[length];
        for (int i = 0; i < length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    /** A new array of the absolute values, for references on |inputs| that bound the round-off. */
    static double[] abs(double[] a) {
        return Arrays.stream(a).map(Math::abs).toArray();
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

    /**
     * Every element equals the reference rounded to float as a number: +0 and -0 count as equal
     * (a sum may end on either), NaN never does. {@link #assertExact} compares bits.
     */
    static void assertEqualValues(double[] ref, float[] fast, int length, String what) {
        for (int i = 0; i < length; i++) {
            if ((float) ref[i] != fast[i]) {
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
