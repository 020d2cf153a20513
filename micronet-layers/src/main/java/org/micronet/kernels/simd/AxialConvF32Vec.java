package org.micronet.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import org.micronet.kernels.AxialConvKernel.Geometry;
import org.micronet.kernels.Parallel;
import org.micronet.kernels.api.AxialConvF32;

import java.util.Arrays;

import static org.micronet.kernels.simd.Lanes.F;
import static org.micronet.kernels.simd.Lanes.N;

/**
 * {@link AxialConvF32} on the Vector API.
 *
 * <p>Every tap becomes one shifted multiply-add over flat runs of memory, whatever the plane
 * size. The input is first laid out as "phase planes" of the output plane's size: for stride
 * s, phase q holds the input positions q, q + s, q + 2s, ... along the axis (rows along
 * height, a deinterleaved row along width), and a depthwise conv with multiplier m gets one
 * copy per output channel. Tap t then reads phase (t - k/2) mod s shifted by
 * floor((t - k/2) / s) rows or columns, the same shift for every position of every plane,
 * so consecutive planes form one run and planes shorter than a vector still fill vectors.
 * At stride 1 with the output as large as the input and no multiplier, x itself is that
 * layout. The zero padding is folded into the weights: per tap, a per-position coefficient
 * array holds the weight where the tap falls inside the input and 0 elsewhere (the
 * neighbouring row or plane it reads instead then adds 0).
 *
 * <p>Work splits as in the reference: forward over images and blocks of output planes, dx
 * over images and blocks of (laid-out) input planes, dw over blocks of output channels, each
 * task writing its own slice. dw sums per-position products over the batch, then reduces
 * each plane with the validity mask.
 *
 * <p>Scratch: the laid-out input (or, in backward, first the gradient in that layout), the
 * per-tap validity masks, and the coefficients (reused in backward for the dw sums).
 */
public final class AxialConvF32Vec implements AxialConvF32 {
    /** Floats of output one task covers, at least: enough to amortise a task, few enough to spread a batch of 1. */
    private static final int TASK_FLOATS = 4096;
    /** dw tasks per call, at most: its batch loop runs inside a task. */
    private static final int DW_TASKS = 8;

    // Pairs of vectors are split and merged by one-vector shuffles and a blend: JDK 17's
    // two-vector rearrange allocates.
    private static final VectorShuffle<Float> EVENS = VectorShuffle.fromOp(F, l -> 2 * l % N);
    private static final VectorShuffle<Float> ODDS = VectorShuffle.fromOp(F, l -> (2 * l + 1) % N);
    private static final VectorShuffle<Float> LOW_PAIRS = VectorShuffle.fromOp(F, l -> l / 2);
    private static final VectorShuffle<Float> HIGH_PAIRS = VectorShuffle.fromOp(F, l -> N / 2 + l / 2);
    private static final VectorMask<Float> HIGH_HALF = VectorMask.fromLong(F, -1L << (N / 2));
    private static final VectorMask<Float> ODD_LANES = VectorMask.fromLong(F, 0xAAAA_AAAA_AAAA_AAAAL);

    @Override
    public int scratchLength(Geometry g) {
        return new Layout(g).scratchLength;
    }

    @Override
    public void forward(float[] x, float[] w, float[] y, Geometry g, float[] scratch) {
        Layout l = new Layout(g);
        if (l.relaid) {
            Parallel.forEach(l.n * l.cin, plane -> l.layOut(x, scratch, plane));
        }
        float[] src = l.relaid ? scratch : x;
        l.coefficients(w, scratch);
        Parallel.forEach(l.n * l.outBlocks, task -> {
            int b = task / l.outBlocks, o0 = task % l.outBlocks * l.block;
            int len = (Math.min(l.cout, o0 + l.block) - o0) * l.op;
            int yo = (b * l.cout + o0) * l.op;
            Arrays.fill(y, yo, yo + len, 0f);
            for (int i = 0; i < l.cig; i++) {
                for (int t = 0; t < l.k; t++) {
                    int shift = l.shift(t);
                    multiplyAdd(scratch, l.coef(t, o0, i), src, l.source(b, l.phase(t), l.sourceChannel(o0, i)) + shift,
                            y, yo, Math.max(0, -shift), Math.min(len, len - shift));
                }
            }
        });
    }

    @Override
    public void backward(float[] x, float[] w, float[] dy, float[] dx, float[] dw, Geometry g, float[] scratch) {
        Layout l = new Layout(g);
        l.coefficients(w, scratch);
        float[] ds = l.relaid ? scratch : dx;
        // The gradient of the laid-out input: tap t sends each dy, scaled, back to where it read.
        Parallel.forEach(l.n * l.sourceBlocks, task -> {
            int b = task / l.sourceBlocks, h0 = task % l.sourceBlocks * l.block;
            int len = (Math.min(l.channels, h0 + l.block) - h0) * l.op;
            for (int q = 0; q < l.s; q++) {
                int at = l.source(b, q, h0);
                Arrays.fill(ds, at, at + len, 0f);
            }
            // depthwise: planes h0.. take dy of output planes h0..; grouped: plane h0 takes every output of its group
            int readers = l.cig == 1 ? 1 : l.cog;
            for (int r = 0; r < readers; r++) {
                int o0 = l.cig == 1 ? h0 : h0 / l.cig * l.cog + r, i = l.cig == 1 ? 0 : h0 % l.cig;
                for (int t = 0; t < l.k; t++) {
                    int shift = l.shift(t);
                    multiplyAdd(scratch, l.coef(t, o0, i), dy, (b * l.cout + o0) * l.op,
                            ds, l.source(b, l.phase(t), h0) + shift, Math.max(0, -shift), Math.min(len, len - shift));
                }
            }
        });
        if (l.relaid) {
            Parallel.forEach(l.n * l.cin, plane -> l.layBack(scratch, dx, plane));
            Parallel.forEach(l.n * l.cin, plane -> l.layOut(x, scratch, plane));
        }
        float[] src = l.relaid ? scratch : x;
        // dw: per-position sums over the batch in the coefficients' place, then masked plane sums.
        Parallel.forEach(l.dwBlocks, task -> {
            int o0 = task * l.dwBlock, o1 = Math.min(l.cout, o0 + l.dwBlock);
            int len = (o1 - o0) * l.op;
            for (int t = 0; t < l.k; t++) {
                for (int i = 0; i < l.cig; i++) {
                    int at = l.coef(t, o0, i);
                    Arrays.fill(scratch, at, at + len, 0f);
                }
            }
            for (int b = 0; b < l.n; b++) {
                int dyo = (b * l.cout + o0) * l.op;
                for (int i = 0; i < l.cig; i++) {
                    for (int t = 0; t < l.k; t++) {
                        int shift = l.shift(t);
                        multiplyAdd(dy, dyo, src, l.source(b, l.phase(t), l.sourceChannel(o0, i)) + shift,
                                scratch, l.coef(t, o0, i), Math.max(0, -shift), Math.min(len, len - shift));
                    }
                }
            }
            for (int o = o0; o < o1; o++) {
                for (int i = 0; i < l.cig; i++) {
                    for (int t = 0; t < l.k; t++) {
                        dw[(o * l.cig + i) * l.k + t] = dot(scratch, l.maskAt + t * l.op, scratch, l.coef(t, o, i), l.op);
                    }
                }
            }
        });
    }

    /** out[oo + u] += a[ao + u] * b[bo + u] for u in [lo, hi). */
    private static void multiplyAdd(float[] a, int ao, float[] b, int bo, float[] out, int oo, int lo, int hi) {
        int u = lo;
        for (int end = lo + F.loopBound(Math.max(0, hi - lo)); u < end; u += N) {
            FloatVector va = FloatVector.fromArray(F, a, ao + u);
            FloatVector vb = FloatVector.fromArray(F, b, bo + u);
            va.fma(vb, FloatVector.fromArray(F, out, oo + u)).intoArray(out, oo + u);
        }
        for (; u < hi; u++) {
            out[oo + u] = Math.fma(a[ao + u], b[bo + u], out[oo + u]);
        }
    }

    /** out[oo + u] = a * b[bo + u] for u < len. */
    private static void scale(float a, float[] b, int bo, float[] out, int oo, int len) {
        FloatVector va = FloatVector.broadcast(F, a);
        int u = 0;
        for (int end = F.loopBound(len); u < end; u += N) {
            va.mul(FloatVector.fromArray(F, b, bo + u)).intoArray(out, oo + u);
        }
        for (; u < len; u++) {
            out[oo + u] = a * b[bo + u];
        }
    }

    /** out[oo + u] += b[bo + u] for u < len. */
    private static void add(float[] b, int bo, float[] out, int oo, int len) {
        int u = 0;
        for (int end = F.loopBound(len); u < end; u += N) {
            FloatVector.fromArray(F, out, oo + u).add(FloatVector.fromArray(F, b, bo + u)).intoArray(out, oo + u);
        }
        for (; u < len; u++) {
            out[oo + u] += b[bo + u];
        }
    }

    /** Sum of a[ao + u] * b[bo + u] for u < len, in two vector sums so the adds do not wait on each other. */
    private static float dot(float[] a, int ao, float[] b, int bo, int len) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
        int u = 0;
        for (int end = len - 2 * N; u <= end; u += 2 * N) {
            s0 = FloatVector.fromArray(F, a, ao + u).fma(FloatVector.fromArray(F, b, bo + u), s0);
            s1 = FloatVector.fromArray(F, a, ao + u + N).fma(FloatVector.fromArray(F, b, bo + u + N), s1);
        }
        if (u + N <= len) {
            s0 = FloatVector.fromArray(F, a, ao + u).fma(FloatVector.fromArray(F, b, bo + u), s0);
            u += N;
        }
        float sum = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; u < len; u++) {
            sum = Math.fma(a[ao + u], b[bo + u], sum);
        }
        return sum;
    }

    /** even[eo + j] = x[xo + 2j], odd[oo + j] = x[xo + 2j + 1] for j < len. */
    private static void deinterleave(float[] x, int xo, float[] out, int eo, int oo, int len) {
        int j = 0;
        for (int end = F.loopBound(len); j < end; j += N) {
            FloatVector a = FloatVector.fromArray(F, x, xo + 2 * j);
            FloatVector b = FloatVector.fromArray(F, x, xo + 2 * j + N);
            a.rearrange(EVENS).blend(b.rearrange(EVENS), HIGH_HALF).intoArray(out, eo + j);
            a.rearrange(ODDS).blend(b.rearrange(ODDS), HIGH_HALF).intoArray(out, oo + j);
        }
        for (; j < len; j++) {
            out[eo + j] = x[xo + 2 * j];
            out[oo + j] = x[xo + 2 * j + 1];
        }
    }

    /** x[xo + 2j] = in[eo + j], x[xo + 2j + 1] = in[oo + j] for j < len. */
    private static void interleave(float[] in, int eo, int oo, float[] x, int xo, int len) {
        int j = 0;
        for (int end = F.loopBound(len); j < end; j += N) {
            FloatVector a = FloatVector.fromArray(F, in, eo + j);
            FloatVector b = FloatVector.fromArray(F, in, oo + j);
            a.rearrange(LOW_PAIRS).blend(b.rearrange(LOW_PAIRS), ODD_LANES).intoArray(x, xo + 2 * j);
            a.rearrange(HIGH_PAIRS).blend(b.rearrange(HIGH_PAIRS), ODD_LANES).intoArray(x, xo + 2 * j + N);
        }
        for (; j < len; j++) {
            x[xo + 2 * j] = in[eo + j];
            x[xo + 2 * j + 1] = in[oo + j];
        }
    }

    /** out[oo + j] = x[xo + step * j] for j < len. */
    private static void gather(float[] x, int xo, int step, float[] out, int oo, int len) {
        if (step == 1) {
            System.arraycopy(x, xo, out, oo, len);
        } else {
            for (int j = 0; j < len; j++) {
                out[oo + j] = x[xo + step * j];
            }
        }
    }

    /** x[xo + step * j] = in[io + j] for j < len. */
    private static void scatter(float[] in, int io, float[] x, int xo, int step, int len) {
        if (step == 1) {
            System.arraycopy(in, io, x, xo, len);
        } else {
            for (int j = 0; j < len; j++) {
                x[xo + step * j] = in[io + j];
            }
        }
    }

    /** One call's sizes, as this kernel lays out its work. Offsets are in floats. */
    private static final class Layout {
        final int n, cin, cout, k, s, cig, cog, height, width;
        final boolean alongHeight;
        /** Depthwise with a multiplier: each output channel gets its own copy of its input plane. */
        final boolean replicated;
        /** Planes per image of the laid-out input. */
        final int channels;
        /** Lengths along the axis; output plane size; input plane size; the axis step within a plane. */
        final int inLen, outLen, outW, outH, op, ip, unit;
        /** Whether the input is copied into the phase layout; otherwise x already is that layout. */
        final boolean relaid;
        /** Planes per task (depthwise), or 1 (grouped: each output plane reads several input planes). */
        final int block, outBlocks, sourceBlocks, dwBlock, dwBlocks;
        final int maskAt, coefAt, scratchLength;
        /** The vector deinterleave applies: stride 2 along an even width, phases as wide as the output. */
        final boolean pairs;

        Layout(Geometry g) {
            n = g.n();
            cin = g.cin();
            cout = g.cout();
            k = g.k();
            s = g.stride();
            cig = cin / g.groups();
            cog = cout / g.groups();
            height = g.height();
            width = g.width();
            alongHeight = g.alongHeight();
            outH = g.outHeight();
            outW = g.outWidth();
            op = outH * outW;
            ip = height * width;
            inLen = alongHeight ? height : width;
            outLen = alongHeight ? outH : outW;
            unit = alongHeight ? outW : 1;
            replicated = cig == 1 && cog > 1;
            channels = replicated ? cout : cin;
            relaid = s > 1 || replicated || inLen != outLen;
            pairs = !alongHeight && s == 2 && width % 2 == 0 && outW == width / 2;
            block = cig == 1 ? Math.max(1, Math.min(cout, TASK_FLOATS / op)) : 1;
            outBlocks = ceilDiv(cout, block);
            sourceBlocks = ceilDiv(channels, block);
            dwBlock = cig == 1 ? ceilDiv(cout, Math.min(cout, DW_TASKS)) : 1;
            dwBlocks = ceilDiv(cout, dwBlock);
            maskAt = relaid ? n * s * channels * op : 0;
            coefAt = maskAt + k * op;
            scratchLength = coefAt + k * cout * cig * op;
        }

        private static int ceilDiv(int a, int b) {
            return (a + b - 1) / b;
        }

        /** The phase tap t reads. */
        int phase(int t) {
            return Math.floorMod(t - k / 2, s);
        }

        /** How far tap t reads from the output position, within its phase plane. */
        int shift(int t) {
            return Math.floorDiv(t - k / 2, s) * unit;
        }

        /** Input positions along the axis that phase q holds; later positions of a phase plane are 0. */
        int held(int q) {
            return (inLen - q + s - 1) / s;
        }

        /** Start of laid-out plane (b, q, ch). */
        int source(int b, int q, int ch) {
            return ((b * s + q) * channels + ch) * op;
        }

        /** The laid-out plane output channel o reads as its i-th input. */
        int sourceChannel(int o, int i) {
            return replicated ? o : o / cog * cig + i;
        }

        /** Start of the coefficients of tap t for output o, input i: {@code [k][cout][cig][op]}. */
        int coef(int t, int o, int i) {
            return coefAt + ((t * cout + o) * cig + i) * op;
        }

        /** Per tap 1 where it falls inside the input, else 0; then the weights spread over those masks. */
        void coefficients(float[] w, float[] scratch) {
            for (int t = 0; t < k; t++) {
                int mo = maskAt + t * op, d = Math.floorDiv(t - k / 2, s);
                int first = Math.max(0, -d), last = Math.min(outLen, held(phase(t)) - d);
                Arrays.fill(scratch, mo, mo + op, 0f);
                if (alongHeight) {
                    Arrays.fill(scratch, mo + first * outW, mo + Math.max(first, last) * outW, 1f);
                } else {
                    for (int r = 0; r < outH && first < last; r++) {
                        Arrays.fill(scratch, mo + r * outW + first, mo + r * outW + last, 1f);
                    }
                }
            }
            Parallel.forEach(cout, o -> {
                for (int t = 0; t < k; t++) {
                    for (int i = 0; i < cig; i++) {
                        scale(w[(o * cig + i) * k + t], scratch, maskAt + t * op, scratch, coef(t, o, i), op);
                    }
                }
            });
        }

        /** Writes the phase planes (and their copies) of input plane {@code plane} of x into {@code out}. */
        void layOut(float[] x, float[] out, int plane) {
            int b = plane / cin, c = plane % cin, xo = plane * ip;
            int ch = replicated ? c * cog : c;
            if (pairs) {
                deinterleave(x, xo, out, source(b, 0, ch), source(b, 1, ch), op);
            } else {
                for (int q = 0; q < s; q++) {
                    int at = source(b, q, ch), held = held(q);
                    if (alongHeight) {
                        for (int j = 0; j < held; j++) {
                            System.arraycopy(x, xo + (q + s * j) * width, out, at + j * width, width);
                        }
                        Arrays.fill(out, at + held * width, at + op, 0f);
                    } else {
                        for (int r = 0; r < outH; r++) {
                            int to = at + r * outW;
                            gather(x, xo + r * width + q, s, out, to, held);
                            Arrays.fill(out, to + held, to + outW, 0f);
                        }
                    }
                }
            }
            for (int q = 0; q < s; q++) {
                for (int r = 1; r < channels / cin; r++) {
                    System.arraycopy(out, source(b, q, ch), out, source(b, q, ch + r), op);
                }
            }
        }

        /** The reverse of {@link #layOut}: sums the copies of input plane {@code plane} and writes it into dx. */
        void layBack(float[] ds, float[] dx, int plane) {
            int b = plane / cin, c = plane % cin, xo = plane * ip;
            int ch = replicated ? c * cog : c;
            for (int q = 0; q < s; q++) {
                for (int r = 1; r < channels / cin; r++) {
                    add(ds, source(b, q, ch + r), ds, source(b, q, ch), op);
                }
            }
            if (pairs) {
                interleave(ds, source(b, 0, ch), source(b, 1, ch), dx, xo, op);
                return;
            }
            for (int q = 0; q < s; q++) {
                int at = source(b, q, ch), held = held(q);
                if (alongHeight) {
                    for (int j = 0; j < held; j++) {
                        System.arraycopy(ds, at + j * width, dx, xo + (q + s * j) * width, width);
                    }
                } else {
                    for (int r = 0; r < outH; r++) {
                        scatter(ds, at + r * outW, dx, xo + r * width + q, s, held);
                    }
                }
            }
        }
    }
}
