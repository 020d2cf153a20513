package org.micronet.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.kernels.api.BatchNormF32;
import org.micronet.kernels.simd.BatchNormF32Vec;
import org.micronet.kernels.simd.Lanes;
import org.micronet.layers.BatchNorm;
import org.micronet.models.ModelShapes;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.micronet.kernels.F32Data.assertClose;
import static org.micronet.kernels.F32Data.assertExact;
import static org.micronet.kernels.F32Data.input;
import static org.micronet.kernels.F32Data.nan;
import static org.micronet.kernels.F32Data.widen;

/**
 * {@link BatchNormF32Vec} against {@link BatchNormKernel}. In exact mode the sums are exact, so
 * the statistics and parameter gradients must equal the reference's rounded to float (y and dx
 * go through float arithmetic and are compared within tolerance in both modes).
 */
class BatchNormF32VecTest {
    private static final BatchNormF32 FAST = new BatchNormF32Vec();
    private static final int N = Lanes.N;
    private static final double EPS = 1e-5;

    record Case(int n, int c, int hw, boolean exact, long seed) {
        @Override
        public String toString() {
            return "n=" + n + " c=" + c + " hw=" + hw + (exact ? " exact" : " random") + " seed=" + seed;
        }
    }

    static Stream<Case> cases() {
        List<int[]> shapes = new ArrayList<>();
        // planes at and around the lane count, the four-wide unroll and the row/plane switch
        for (int hw : new int[]{1, 2, N - 1, N, N + 1, 2 * N + 1, 3 * N, 4 * N - 1, 4 * N, 4 * N + 1, 49, 196}) {
            shapes.add(new int[]{2, 1, hw});
            shapes.add(new int[]{5, 3, hw});
            shapes.add(new int[]{7, 2 * N + 1, hw});
        }
        // long planes, more images than one column-sum call takes, several row-walk chunks
        shapes.add(new int[]{3, 2, 130 * N + 5});
        shapes.add(new int[]{131, 3, N});
        shapes.add(new int[]{133, 2 * N + 1, 4});
        shapes.add(new int[]{130, 300, 1});
        shapes.add(new int[]{517, 2, N + 1});
        shapes.add(new int[]{517, 3, 4});
        shapes.add(new int[]{517, 40, 1});
        // rows long enough for several row-walk tasks, chunks starting on and off vector boundaries
        shapes.add(new int[]{5, 1100, 1});
        shapes.add(new int[]{3, 300, 4});
        shapes.add(new int[]{3, 400, 3});
        for (ModelShapes.Use<BatchNorm> use : ModelShapes.of("m0", 32, BatchNorm.class)) {
            int[] ch = ModelShapes.channelsAndPlane(use.input());
            shapes.add(new int[]{128, ch[0], ch[1]});
        }
        for (ModelShapes.Use<BatchNorm> use : ModelShapes.of("m0", 224, BatchNorm.class)) {
            int[] ch = ModelShapes.channelsAndPlane(use.input());
            shapes.add(new int[]{2, ch[0], ch[1]});
        }
        List<Case> cases = new ArrayList<>();
        for (int[] s : shapes) {
            for (boolean exact : new boolean[]{true, false}) {
                cases.add(new Case(s[0], s[1], s[2], exact, 1000L * cases.size() + 17));
            }
        }
        return cases.stream();
    }

    /** Random mode offsets channels by 0, 4 or 8 against a spread of 1, so the shift trick is exercised. */
    private static float[] activations(Case k, Random rng) {
        float[] x = input(rng, k.n * k.c * k.hw, k.exact);
        if (!k.exact) {
            for (int i = 0; i < x.length; i++) {
                x[i] += 4 * ((i / k.hw) % k.c % 3);
            }
        }
        return x;
    }

    private static float[] uniform(Random rng, int length, double from, double to) {
        float[] a = new float[length];
        for (int i = 0; i < length; i++) {
            a[i] = (float) (from + (to - from) * rng.nextDouble());
        }
        return a;
    }

    /**
     * A per-channel statistic or parameter gradient: its sums are exact in exact mode, so it must
     * equal the reference; in random mode within round-off of {@code magnitude}.
     */
    private static void assertPerChannel(Case k, double[] ref, float[] fast, double[] magnitude, String name) {
        if (k.exact) {
            assertExact(ref, fast, k.c, name + " " + k);
        } else {
            assertClose(ref, fast, magnitude, k.c, name + " " + k);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardTrainingMatchesReference(Case k) {
        Random rng = new Random(k.seed);
        int len = k.n * k.c * k.hw;
        float[] x = activations(k, rng);
        float[] gamma = uniform(rng, k.c, 0.5, 2);
        float[] beta = input(rng, k.c, false);
        double[] xd = widen(x, len);
        double[] yRef = new double[len];
        double[] meanRef = new double[k.c];
        double[] varRef = new double[k.c];
        double[] isRef = new double[k.c];
        BatchNormKernel.forwardTraining(xd, widen(gamma, k.c), widen(beta, k.c), EPS, FusedActivation.NONE, yRef, meanRef, varRef, isRef,
                k.n, k.c, k.hw);

        float[] scratch = nan(FAST.scratchLength(k.n, k.c, k.hw));
        float[] y = nan(len);
        float[] mean = nan(k.c);
        float[] var = nan(k.c);
        float[] invStd = nan(k.c);
        FAST.forwardTraining(x, gamma, beta, EPS, FusedActivation.NONE, y, mean, var, invStd, scratch, k.n, k.c, k.hw);

        // what the float sums add up: |x| for the mean, (x - k)^2 for the variance
        double[] absMean = new double[k.c];
        double[] shiftedSquares = new double[k.c];
        for (int i = 0; i < len; i++) {
            int ch = (i / k.hw) % k.c;
            double d = xd[i] - xd[ch * k.hw];
            absMean[ch] += (Math.abs(xd[i]) + Math.abs(xd[ch * k.hw])) / ((double) k.n * k.hw);
            shiftedSquares[ch] += d * d / ((double) k.n * k.hw);
        }
        double[] isMagnitude = new double[k.c];
        for (int ch = 0; ch < k.c; ch++) {
            isMagnitude[ch] = isRef[ch] * shiftedSquares[ch] / (varRef[ch] + EPS);
        }
        double[] yMagnitude = new double[len];
        for (int i = 0; i < len; i++) {
            int ch = (i / k.hw) % k.c;
            yMagnitude[i] = gamma[ch] * isRef[ch] * (Math.abs(xd[i]) + Math.abs(meanRef[ch]) + Math.sqrt(shiftedSquares[ch]))
                    + Math.abs(beta[ch]);
        }
        assertPerChannel(k, meanRef, mean, absMean, "mean");
        assertPerChannel(k, varRef, var, shiftedSquares, "var");
        assertPerChannel(k, isRef, invStd, isMagnitude, "invStd");
        assertClose(yRef, y, yMagnitude, len, "y " + k);

        // again on the scratch the first call left: the same result, inputs untouched
        float[] again = nan(len);
        FAST.forwardTraining(x, gamma, beta, EPS, FusedActivation.NONE, again, mean, var, invStd, scratch, k.n, k.c, k.hw);
        assertArrayEquals(y, again, "second call " + k);
        assertArrayEquals(xd, widen(x, len), "input changed " + k);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardInferenceMatchesReference(Case k) {
        Random rng = new Random(k.seed);
        int len = k.n * k.c * k.hw;
        float[] x = activations(k, rng);
        float[] gamma = uniform(rng, k.c, 0.5, 2);
        float[] beta = input(rng, k.c, false);
        float[] runningMean = uniform(rng, k.c, -1, 9);
        float[] runningVar = uniform(rng, k.c, 0.25, 4);
        double[] yRef = new double[len];
        BatchNormKernel.forwardInference(widen(x, len), widen(gamma, k.c), widen(beta, k.c), widen(runningMean, k.c),
                widen(runningVar, k.c), EPS, FusedActivation.NONE, yRef, k.n, k.c, k.hw);

        float[] scratch = nan(FAST.scratchLength(k.n, k.c, k.hw));
        float[] y = nan(len);
        FAST.forwardInference(x, gamma, beta, runningMean, runningVar, EPS, FusedActivation.NONE, y, scratch, k.n, k.c, k.hw);
        double[] magnitude = new double[len];
        for (int i = 0; i < len; i++) {
            int ch = (i / k.hw) % k.c;
            double scale = gamma[ch] / Math.sqrt(runningVar[ch] + EPS);
            magnitude[i] = scale * (Math.abs(x[i]) + Math.abs(runningMean[ch])) + Math.abs(beta[ch]);
        }
        assertClose(yRef, y, magnitude, len, "y " + k);

        float[] again = nan(len);
        FAST.forwardInference(x, gamma, beta, runningMean, runningVar, EPS, FusedActivation.NONE, again, scratch, k.n, k.c, k.hw);
        assertArrayEquals(y, again, "second call " + k);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void backwardMatchesReference(Case k) {
        Random rng = new Random(k.seed);
        int len = k.n * k.c * k.hw;
        float[] x = activations(k, rng);
        float[] dy = input(rng, len, k.exact);
        float[] gamma = uniform(rng, k.c, 0.5, 2);
        // quarters keep x - mean exact in exact mode
        float[] mean = new float[k.c];
        for (int ch = 0; ch < k.c; ch++) {
            mean[ch] = (rng.nextInt(33) - 16) / 4f + (k.exact ? 0 : 4 * (ch % 3));
        }
        float[] invStd = uniform(rng, k.c, 0.3, 3);
        double[] xd = widen(x, len);
        double[] dyd = widen(dy, len);
        double[] dxRef = new double[len];
        double[] dgRef = new double[k.c];
        double[] dbRef = new double[k.c];
        BatchNormKernel.backward(xd, dyd, widen(gamma, k.c), new double[k.c], widen(mean, k.c), widen(invStd, k.c),
                FusedActivation.NONE, dxRef, dgRef, dbRef, k.n, k.c, k.hw);

        float[] scratch = nan(FAST.scratchLength(k.n, k.c, k.hw));
        float[] dx = nan(len);
        float[] dgamma = nan(k.c);
        float[] dbeta = nan(k.c);
        FAST.backward(x, dy, gamma, new float[k.c], mean, invStd, FusedActivation.NONE, dx, dgamma, dbeta, scratch, k.n, k.c, k.hw);

        double m = (double) k.n * k.hw;
        double[] dbMagnitude = new double[k.c];
        double[] dgMagnitude = new double[k.c];
        for (int i = 0; i < len; i++) {
            int ch = (i / k.hw) % k.c;
            dbMagnitude[ch] += Math.abs(dyd[i]);
            dgMagnitude[ch] += Math.abs(dyd[i] * (xd[i] - mean[ch])) * invStd[ch];
        }
        double[] dxMagnitude = new double[len];
        for (int i = 0; i < len; i++) {
            int ch = (i / k.hw) % k.c;
            double a = gamma[ch] * invStd[ch];
            double bx = a * invStd[ch] * dgMagnitude[ch] / m;
            dxMagnitude[i] = a * Math.abs(dyd[i]) + bx * (Math.abs(xd[i]) + Math.abs(mean[ch])) + a * dbMagnitude[ch] / m;
        }
        assertPerChannel(k, dbRef, dbeta, dbMagnitude, "dbeta");
        assertPerChannel(k, dgRef, dgamma, dgMagnitude, "dgamma");
        assertClose(dxRef, dx, dxMagnitude, len, "dx " + k);

        float[] again = nan(len);
        FAST.backward(x, dy, gamma, new float[k.c], mean, invStd, FusedActivation.NONE, again, dgamma, dbeta, scratch, k.n, k.c, k.hw);
        assertArrayEquals(dx, again, "second call " + k);
        assertArrayEquals(xd, widen(x, len), "x changed " + k);
        assertArrayEquals(dyd, widen(dy, len), "dy changed " + k);
    }

    static Stream<Arguments> activatedCases() {
        // with a handful of values per channel the normalised values hardly move with x (two are always
        // -1 and 1), so no nudge keeps them off the kinks
        return cases().filter(k -> !k.exact && k.n * k.hw >= 16).flatMap(k -> Stream.of(FusedActivation.RELU, FusedActivation.RELU6,
                FusedActivation.HARDSWISH).map(act -> Arguments.of(k, act)));
    }

    /**
     * A fused activation, forward (training) and backward, against the reference. The normalised
     * values are kept 1e-3 away from the activation's kinks, where float and double rounding may
     * take different sides and so different slopes; what the activation changes is checked on the
     * rest: random mode only, as the activated sums are not exact.
     */
    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("activatedCases")
    void fusedActivationMatchesReference(Case k, FusedActivation act) {
        Random rng = new Random(k.seed);
        int len = k.n * k.c * k.hw;
        float[] x = activations(k, rng);
        float[] dy = input(rng, len, false);
        float[] gamma = uniform(rng, k.c, 0.5, 2);
        float[] beta = input(rng, k.c, false);
        double[] meanRef = new double[k.c], varRef = new double[k.c], isRef = new double[k.c];
        BatchNormKernel.forwardTraining(widen(x, len), widen(gamma, k.c), widen(beta, k.c), EPS, FusedActivation.NONE,
                new double[len], meanRef, varRef, isRef, k.n, k.c, k.hw);
        for (int i = 0; i < len; i++) {
            int ch = (i / k.hw) % k.c;
            double a = gamma[ch] * isRef[ch];
            double z = a * (x[i] - meanRef[ch]) + beta[ch];
            for (double kink : new double[]{0, 6, -3, 3}) {
                if (Math.abs(z - kink) < 1e-3) {
                    x[i] += (float) (2e-3 / a);
                }
            }
        }
        double[] xd = widen(x, len), dyd = widen(dy, len);
        double[] yRef = new double[len];
        BatchNormKernel.forwardTraining(xd, widen(gamma, k.c), widen(beta, k.c), EPS, act, yRef, meanRef, varRef, isRef,
                k.n, k.c, k.hw);
        double[] dxRef = new double[len], dgRef = new double[k.c], dbRef = new double[k.c];
        BatchNormKernel.backward(xd, dyd, widen(gamma, k.c), widen(beta, k.c), meanRef, isRef, act, dxRef, dgRef, dbRef,
                k.n, k.c, k.hw);

        float[] scratch = nan(FAST.scratchLength(k.n, k.c, k.hw));
        float[] y = nan(len), mean = nan(k.c), var = nan(k.c), invStd = nan(k.c);
        FAST.forwardTraining(x, gamma, beta, EPS, act, y, mean, var, invStd, scratch, k.n, k.c, k.hw);
        float[] dx = nan(len), dgamma = nan(k.c), dbeta = nan(k.c);
        FAST.backward(x, dy, gamma, beta, mean, invStd, act, dx, dgamma, dbeta, scratch, k.n, k.c, k.hw);

        // round-off bounds: as without an activation, on the normalised values and on dy through the slope
        double m = (double) k.n * k.hw;
        double[] yMagnitude = new double[len], dyGated = new double[len];
        double[] dbMagnitude = new double[k.c], dgMagnitude = new double[k.c];
        for (int i = 0; i < len; i++) {
            int ch = (i / k.hw) % k.c;
            double a = gamma[ch] * isRef[ch];
            double z = a * (xd[i] - meanRef[ch]) + beta[ch];
            yMagnitude[i] = a * (Math.abs(xd[i]) + Math.abs(meanRef[ch]) + 1 / isRef[ch]) + Math.abs(beta[ch]);
            dyGated[i] = Math.abs(dyd[i] * act.slope(z));
            dbMagnitude[ch] += dyGated[i];
            dgMagnitude[ch] += dyGated[i] * Math.abs(xd[i] - meanRef[ch]) * isRef[ch];
        }
        double[] dxMagnitude = new double[len];
        for (int i = 0; i < len; i++) {
            int ch = (i / k.hw) % k.c;
            double a = gamma[ch] * isRef[ch];
            dxMagnitude[i] = a * dyGated[i] + a * isRef[ch] * dgMagnitude[ch] / m * (Math.abs(xd[i]) + Math.abs(meanRef[ch]))
                    + a * dbMagnitude[ch] / m + 1e-2 * a * Math.abs(dyd[i]);  // the slope's own round-off
        }
        assertClose(yRef, y, yMagnitude, len, act + " y " + k);
        assertClose(dbRef, dbeta, dbMagnitude, k.c, act + " dbeta " + k);
        assertClose(dgRef, dgamma, dgMagnitude, k.c, act + " dgamma " + k);
        assertClose(dxRef, dx, dxMagnitude, len, act + " dx " + k);
    }
}
