package org.micronet.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import org.micronet.kernels.FusedActivation;
import org.micronet.kernels.GroupedConvKernel.Geometry;
import org.micronet.kernels.Parallel;
import org.micronet.kernels.api.GroupedConvF32;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntBinaryOperator;

import static org.micronet.kernels.simd.Lanes.F;
import static org.micronet.kernels.simd.Lanes.N;

/**
 * {@link GroupedConvF32} on the Vector API.
 *
 * <p>Every tap becomes a shifted multiply-add over flat runs of memory. The input is first
 * laid out as "phase planes" of the output plane's size: for strides sh, sw, phase (qh, qw)
 * holds the input rows qh, qh + sh, ... and of those the columns qw, qw + sw, ... (rows
 * picked, columns deinterleaved), and a depthwise conv with multiplier m gets one copy per
 * output channel. Tap (th, tw) then reads phase ((th - kh/2) mod sh, (tw - kw/2) mod sw)
 * shifted by floor((th - kh/2) / sh) rows and floor((tw - kw/2) / sw) columns, the same
 * shift for every position of every plane. At stride 1 with the output as large as the input
 * and no multiplier, x itself is that layout.
 *
 * <p>Two ways to run the taps:
 * <ul>
 *   <li>by rows (k x 1 kernels on planes of a few vectors or more and grouped k x 1 convs;
 *       2D kernels on rows of a few vectors or more): per plane, a tap is runs of output
 *       rows with one weight: a kx1 tap one run of whole rows, a 2D tap one run a row over
 *       the columns it reads inside the input; rows and columns it would read in the
 *       padding are skipped;</li>
 *   <li>joined (the rest, in particular the small planes of training: 8x8 and below):
 *       consecutive planes form one run, so planes shorter than a vector still fill vectors.
 *       The zero padding is folded into the weights: per tap, a per-position coefficient
 *       array holds the weight where the tap falls inside the input and 0 elsewhere (the
 *       neighbouring row or plane it reads instead then adds 0).</li>
 * </ul>
 * At batch 1 (inference) each coefficient would serve once: there planes of 8 vectors or more
 * run one at a time through the tap's 0/1 mask and its weight, and smaller ones join with each
 * task spreading its own block's coefficients just before it uses them.
 *
 * <p>The forward pass may start the output at a per-channel bias and end it with an activation
 * (the folded depthwise pair's), per task while the planes are in cache.
 *
 * <p>Work splits as in the reference: forward over images and blocks of output planes, dx
 * over images and blocks of (laid-out) input planes, dw over (blocks of) output channels,
 * each task writing its own slice. By rows, dw is a dot product per image and tap; joined,
 * it sums per-position products over the batch, then reduces each plane with the tap's
 * validity mask.
 *
 * <p>Scratch: the laid-out input (in backward, first the gradient in that layout), then, when
 * joined, the per-tap validity masks and the coefficients (reused in backward for the dw sums).
 */
public final class GroupedConvF32Vec implements GroupedConvF32 {
    /** Floats of output one task covers, at least: enough to amortise a task, few enough to spread a batch of 1. */
    private static final int TASK_FLOATS = 4096;
    /** dw tasks per call, at most (its batch loop runs inside a task), and floats of a plane block, at least. */
    private static final int DW_TASKS = 8;
    private static final int DW_FLOATS = 8 * N;
    /** Output planes from this size on run k x 1 kernels by rows: long enough runs per tap and plane. */
    private static final int ROWS_PLANE = 4 * N;
    /**
     * Output rows from this length on run 2D kernels by rows: joined, they would stream kh * kw
     * coefficient planes per output plane. 1 x k kernels stay joined, as tuned for the axial conv.
     */
    private static final int ROWS_ROW = 2 * N;
    /** Output planes from this size on run one at a time at batch 1: long enough runs per tap and plane. */
    private static final int MASKED_PLANE = 8 * N;

    // Runs of blocks of 2^e floats, 2^e < N, split and merge two vectors at a time by the
    // shuffles and masks at [e]: one-vector shuffles and a blend, as JDK 17's two-vector
    // rearrange allocates.
    private static final int BLOCK_SIZES = Integer.numberOfTrailingZeros(N);
    private static final VectorShuffle<Float>[] EVEN_BLOCKS = shuffles((size, l) -> 2 * size * (l / size) + l % size);
    private static final VectorShuffle<Float>[] ODD_BLOCKS =
            shuffles((size, l) -> 2 * size * (l / size) + l % size + size);
    private static final VectorShuffle<Float>[] LOW_BLOCKS = shuffles((size, l) -> l / (2 * size) * size + l % size);
    private static final VectorShuffle<Float>[] HIGH_BLOCKS =
            shuffles((size, l) -> N / 2 + l / (2 * size) * size + l % size);
    private static final VectorMask<Float> HIGH_HALF = VectorMask.fromLong(F, -1L << (N / 2));
    private static final VectorMask<Float>[] ODD_BLOCK_LANES = oddBlockLanes();

    /** Per block size 2^e, the shuffle whose lane l reads lane {@code source(2^e, l)} mod N. */
    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] shuffles(IntBinaryOperator source) {
        VectorShuffle<Float>[] s = new VectorShuffle[BLOCK_SIZES];
        for (int e = 0; e < BLOCK_SIZES; e++) {
            int size = 1 << e;
            s[e] = VectorShuffle.fromOp(F, l -> source.applyAsInt(size, l) % N);
        }
        return s;
    }

    @SuppressWarnings("unchecked")
    private static VectorMask<Float>[] oddBlockLanes() {
        VectorMask<Float>[] m = new VectorMask[BLOCK_SIZES];
        for (int e = 0; e < BLOCK_SIZES; e++) {
            int size = 1 << e;
            boolean[] odd = new boolean[N];
            for (int l = 0; l < N; l++) {
                odd[l] = l % (2 * size) >= size;
            }
            m[e] = VectorMask.fromArray(F, odd, 0);
        }
        return m;
    }

    // A network has a few dozen geometries; building a layout's per-tap tables allocates, and a
    // training step at a fixed shape should not. Cleared when full, for callers whose shapes vary.
    private static final int MAX_LAYOUTS = 1024;
    private static final Map<Geometry, Layout> LAYOUTS = new ConcurrentHashMap<>();

    private static Layout layout(Geometry g) {
        Layout l = LAYOUTS.get(g);
        if (l == null) {
            if (LAYOUTS.size() >= MAX_LAYOUTS) {
                LAYOUTS.clear();
            }
            l = new Layout(g);
            LAYOUTS.put(g, l);
        }
        return l;
    }

    @Override
    public int scratchLength(Geometry g) {
        return layout(g).scratchLength;
    }

    @Override
    public void forward(float[] x, float[] w, float[] y, Geometry g, float[] scratch) {
        forward(x, w, null, FusedActivation.NONE, y, g, scratch);
    }

    /**
     * {@code y = act(conv(x, w) + bias)}, bias per output channel (null: none): each task starts
     * its planes at their bias and applies the activation while they are still in cache, where
     * separate passes would stream y through memory twice more.
     */
    void forward(float[] x, float[] w, float[] bias, FusedActivation act, float[] y, Geometry g, float[] scratch) {
        Layout l = layout(g);
        if (l.relaid) {
            Parallel.forEach(l.n * l.inBlocks, task -> l.layOut(x, scratch, task));
        }
        float[] src = l.relaid ? scratch : x;
        if (l.masked || l.spreadPerBlock) {
            l.masks(scratch);
        } else if (!l.rows) {
            l.coefficients(w, scratch);
        }
        Parallel.forEach(l.n * l.outBlocks, task -> {
            int b = task / l.outBlocks, o0 = task % l.outBlocks * l.block, o1 = Math.min(l.cout, o0 + l.block);
            int yo = (b * l.cout + o0) * l.op;
            for (int o = o0; o < o1; o++) {
                int at = yo + (o - o0) * l.op;
                Arrays.fill(y, at, at + l.op, bias == null ? 0f : bias[o]);
            }
            if (l.masked) {
                maskedTaps(l, src, w, y, scratch, b, o0, o1);
            } else {
                joinedOrRowTaps(l, src, w, y, scratch, b, o0, o1);
            }
            ActivationLanes.apply(y, yo, yo + (o1 - o0) * l.op, act);
        });
    }

    /** Output planes [o0, o1) of image b, one at a time, each tap through its mask. */
    private static void maskedTaps(Layout l, float[] src, float[] w, float[] y, float[] scratch, int b, int o0,
                                   int o1) {
        int yo = (b * l.cout + o0) * l.op;
        for (int o = o0; o < o1; o++) {
            for (int i = 0; i < l.cig; i++) {
                for (int t = 0; t < l.k; t++) {
                    int shift = l.shift(t), so = l.source(b, l.phase(t), l.sourceChannel(o, i)) + shift;
                    maskedScaledAdd(w[(o * l.cig + i) * l.k + t], scratch, l.maskAt + t * l.op, src, so, y,
                            yo + (o - o0) * l.op, Math.max(0, -shift), Math.min(l.op, l.op - shift));
                }
            }
        }
    }

    /** Output planes [o0, o1) of image b: by rows, or joined into one run through the coefficients. */
    private static void joinedOrRowTaps(Layout l, float[] src, float[] w, float[] y, float[] scratch, int b, int o0,
                                        int o1) {
        int len = (o1 - o0) * l.op;
        int yo = (b * l.cout + o0) * l.op;
        if (l.spreadPerBlock) {
            for (int o = o0; o < o1; o++) {
                l.coefficients(w, scratch, o);
            }
        }
        for (int i = 0; i < l.cig; i++) {
            for (int t = 0; t < l.k; t++) {
                int so = l.source(b, l.phase(t), l.sourceChannel(o0, i)) + l.shift(t);
                tap(l, t, o0, i, w, scratch, src, so, y, yo, len);
            }
        }
    }

    /**
     * {@code out[oo + u] += weight * in[io + u]} for tap t of output o0's (and, joined, the planes
     * after it in a run of len) input i: by rows, or through the coefficients. The forward pass
     * reads the input at the tap's shift; the backward pass writes there.
     */
    private static void tap(Layout l, int t, int o0, int i, float[] w, float[] scratch, float[] in, int io, float[] out,
                            int oo, int len) {
        if (l.rows) {
            float wt = w[(o0 * l.cig + i) * l.k + t];
            for (int run = 0, lo = l.runStart(t); run < l.runs(t); run++, lo += l.outW) {
                scaledAdd(wt, in, io, out, oo, lo, lo + l.runLength(t));
            }
        } else {
            int shift = l.shift(t);
            multiplyAdd(scratch, l.coef(t, o0, i), in, io, out, oo, Math.max(0, -shift), Math.min(len, len - shift));
        }
    }

    @Override
    public void backward(float[] x, float[] w, float[] dy, float[] dx, float[] dw, Geometry g, float[] scratch) {
        Layout l = layout(g);
        if (!l.rows) {
            l.coefficients(w, scratch);
        }
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
                int dyo = (b * l.cout + o0) * l.op;
                for (int t = 0; t < l.k; t++) {
                    tap(l, t, o0, i, w, scratch, dy, dyo, ds, l.source(b, l.phase(t), h0) + l.shift(t), len);
                }
            }
        });
        if (l.relaid) {
            Parallel.forEach(l.n * l.inBlocks, task -> l.layBack(scratch, dx, task));
            Parallel.forEach(l.n * l.inBlocks, task -> l.layOut(x, scratch, task));
        }
        float[] src = l.relaid ? scratch : x;
        Parallel.forEach(l.dwBlocks, task -> {
            if (l.rows) {
                l.weightGradientByRows(dy, src, dw, task);
            } else {
                l.weightGradientByPositions(dy, src, dw, task, scratch);
            }
        });
    }

    /** out[oo + u] += a * b[bo + u] for u in [lo, hi). */
    private static void scaledAdd(float a, float[] b, int bo, float[] out, int oo, int lo, int hi) {
        FloatVector va = FloatVector.broadcast(F, a);
        int u = lo;
        for (int end = lo + F.loopBound(Math.max(0, hi - lo)); u < end; u += N) {
            va.fma(FloatVector.fromArray(F, b, bo + u), FloatVector.fromArray(F, out, oo + u)).intoArray(out, oo + u);
        }
        for (; u < hi; u++) {
            out[oo + u] = Math.fma(a, b[bo + u], out[oo + u]);
        }
    }

    /** out[oo + u] += a * (m[mo + u] * b[bo + u]) for u in [lo, hi): with m 0 or 1, the sum coefficients a * m give. */
    private static void maskedScaledAdd(float a, float[] m, int mo, float[] b, int bo, float[] out, int oo, int lo,
                                        int hi) {
        FloatVector va = FloatVector.broadcast(F, a);
        int u = lo;
        for (int end = lo + F.loopBound(Math.max(0, hi - lo)); u < end; u += N) {
            FloatVector vb = FloatVector.fromArray(F, m, mo + u).mul(FloatVector.fromArray(F, b, bo + u));
            va.fma(vb, FloatVector.fromArray(F, out, oo + u)).intoArray(out, oo + u);
        }
        for (; u < hi; u++) {
            out[oo + u] = Math.fma(a, m[mo + u] * b[bo + u], out[oo + u]);
        }
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

    /** Even and odd blocks of {@code size} floats of x, one after another, into even and odd: len floats each. */
    private static void split(float[] x, int xo, float[] out, int eo, int oo, int len, int size) {
        int j = 0;
        if (size < N && N % size == 0) {
            int e = Integer.numberOfTrailingZeros(size);
            VectorShuffle<Float> evens = EVEN_BLOCKS[e], odds = ODD_BLOCKS[e];
            for (int end = F.loopBound(len); j < end; j += N) {
                FloatVector a = FloatVector.fromArray(F, x, xo + 2 * j);
                FloatVector b = FloatVector.fromArray(F, x, xo + 2 * j + N);
                a.rearrange(evens).blend(b.rearrange(evens), HIGH_HALF).intoArray(out, eo + j);
                a.rearrange(odds).blend(b.rearrange(odds), HIGH_HALF).intoArray(out, oo + j);
            }
        }
        for (; j < len; j += size) {
            copy(x, xo + 2 * j, out, eo + j, size);
            copy(x, xo + 2 * j + size, out, oo + j, size);
        }
    }

    /** The reverse of {@link #split}. */
    private static void merge(float[] in, int eo, int oo, float[] x, int xo, int len, int size) {
        int j = 0;
        if (size < N && N % size == 0) {
            int e = Integer.numberOfTrailingZeros(size);
            VectorShuffle<Float> low = LOW_BLOCKS[e], high = HIGH_BLOCKS[e];
            VectorMask<Float> odd = ODD_BLOCK_LANES[e];
            for (int end = F.loopBound(len); j < end; j += N) {
                FloatVector a = FloatVector.fromArray(F, in, eo + j);
                FloatVector b = FloatVector.fromArray(F, in, oo + j);
                a.rearrange(low).blend(b.rearrange(low), odd).intoArray(x, xo + 2 * j);
                a.rearrange(high).blend(b.rearrange(high), odd).intoArray(x, xo + 2 * j + N);
            }
        }
        for (; j < len; j += size) {
            copy(in, eo + j, x, xo + 2 * j, size);
            copy(in, oo + j, x, xo + 2 * j + size, size);
        }
    }

    /** System.arraycopy, without its call for runs shorter than a vector (tiny planes make many). */
    private static void copy(float[] from, int fo, float[] to, int too, int len) {
        if (len >= N) {
            System.arraycopy(from, fo, to, too, len);
        } else {
            for (int j = 0; j < len; j++) {
                to[too + j] = from[fo + j];
            }
        }
    }

    /** out[oo + j] = x[xo + step * j] for j < len. */
    private static void gather(float[] x, int xo, int step, float[] out, int oo, int len) {
        if (step == 1) {
            copy(x, xo, out, oo, len);
        } else {
            for (int j = 0; j < len; j++) {
                out[oo + j] = x[xo + step * j];
            }
        }
    }

    /** x[xo + step * j] = in[io + j] for j < len. */
    private static void scatter(float[] in, int io, float[] x, int xo, int step, int len) {
        if (step == 1) {
            copy(in, io, x, xo, len);
        } else {
            for (int j = 0; j < len; j++) {
                x[xo + step * j] = in[io + j];
            }
        }
    }

    /** One call's sizes, as this kernel lays out its work. Offsets are in floats. */
    private static final class Layout {
        /** k: taps (kh * kw); s: phases (sh * sw). */
        final int n, cin, cout, kh, kw, k, sh, sw, s, cig, cog, height, width;
        /** Depthwise with a multiplier: each output channel gets its own copy of its input plane. */
        final boolean replicated;
        /** Planes per image of the laid-out input. */
        final int channels;
        /** Output sizes; output plane size; input plane size. */
        final int outW, outH, op, ip;
        /** Whether the input is copied into the phase layout; otherwise x already is that layout. */
        final boolean relaid;
        /** Stride 2 on an even width, phases as wide as the output: laying out splits each row. */
        final boolean pairColumns;
        /**
         * Laying out splits whole planes of the block at once, in blocks of pairSize floats: stride
         * 2 on an even height with whole rows (pairSize = width), or on an even width with every
         * row kept (pairSize 1).
         */
        final boolean pairs;
        final int pairSize;
        /**
         * Each tap is runs of output rows per plane with one weight, so no coefficients;
         * otherwise planes join into runs through the coefficients.
         */
        final boolean rows;
        /**
         * Not by rows, at batch 1 (inference), where each coefficient would serve once: planes from
         * {@link #MASKED_PLANE} on run one plane at a time through the tap's mask and weight,
         * smaller ones join as usual but each task spreads its block's coefficients just before,
         * while they fit in cache, instead of a pass over all of them through memory first.
         */
        final boolean masked, spreadPerBlock;
        /** Output (and laid-out) planes per task: several only when runs join planes. */
        final int block, outBlocks, sourceBlocks, dwBlock, dwBlocks;
        /** Input planes per layout task: all of an image's planes can split in one run unless copied. */
        final int inBlock, inBlocks;
        final int maskAt, coefAt, scratchLength;
        private final int[] phase, shift, firstRow, lastRow, firstCol, lastCol, runs, runStart, runLength;

        Layout(Geometry g) {
            n = g.n();
            cin = g.cin();
            cout = g.cout();
            kh = g.kh();
            kw = g.kw();
            k = g.taps();
            sh = g.sh();
            sw = g.sw();
            s = sh * sw;
            cig = cin / g.groups();
            cog = cout / g.groups();
            height = g.height();
            width = g.width();
            outH = g.outHeight();
            outW = g.outWidth();
            op = outH * outW;
            ip = height * width;
            replicated = cig == 1 && cog > 1;
            channels = replicated ? cout : cin;
            relaid = s > 1 || replicated || outH != height || outW != width;
            boolean pairRows = sh == 2 && height % 2 == 0 && outH == height / 2;
            pairColumns = sw == 2 && width % 2 == 0 && outW == width / 2;
            boolean allRows = sh == 1 && outH == height, allColumns = sw == 1 && outW == width;
            pairs = pairRows && allColumns || pairColumns && allRows;
            pairSize = pairRows ? width : 1;
            rows = kw == 1 ? cig > 1 || op >= ROWS_PLANE : kh > 1 && outW >= ROWS_ROW;
            masked = !rows && n == 1 && op >= MASKED_PLANE;
            spreadPerBlock = !rows && !masked && n == 1;
            boolean joined = cig == 1 && !rows;
            block = joined ? Math.max(1, Math.min(cout, TASK_FLOATS / op)) : 1;
            outBlocks = ceilDiv(cout, block);
            sourceBlocks = ceilDiv(channels, block);
            dwBlock = joined ? Math.max(ceilDiv(cout, Math.min(cout, DW_TASKS)), ceilDiv(DW_FLOATS, op)) : 1;
            dwBlocks = ceilDiv(cout, dwBlock);
            inBlock = replicated ? 1 : Math.max(1, Math.min(cin, TASK_FLOATS / ip));
            inBlocks = ceilDiv(cin, inBlock);
            maskAt = relaid ? n * s * channels * op : 0;
            coefAt = maskAt + k * op;
            scratchLength = rows ? maskAt : coefAt + k * cout * cig * op;
            // per tap, once: the divisions cost more than a short run of vectors
            phase = new int[k];
            shift = new int[k];
            firstRow = new int[k];
            lastRow = new int[k];
            firstCol = new int[k];
            lastCol = new int[k];
            runs = new int[k];
            runStart = new int[k];
            runLength = new int[k];
            for (int t = 0; t < k; t++) {
                int dh = Math.floorDiv(t / kw - kh / 2, sh), dw = Math.floorDiv(t % kw - kw / 2, sw);
                int qh = Math.floorMod(t / kw - kh / 2, sh), qw = Math.floorMod(t % kw - kw / 2, sw);
                phase[t] = qh * sw + qw;
                shift[t] = dh * outW + dw;
                firstRow[t] = Math.max(0, -dh);
                lastRow[t] = Math.max(firstRow[t], Math.min(outH, heldRows(qh) - dh));
                firstCol[t] = Math.max(0, -dw);
                lastCol[t] = Math.max(firstCol[t], Math.min(outW, heldColumns(qw) - dw));
                // whole output rows join into one run
                boolean whole = firstCol[t] == 0 && lastCol[t] == outW;
                runs[t] = whole ? 1 : lastRow[t] - firstRow[t];
                runStart[t] = firstRow[t] * outW + firstCol[t];
                runLength[t] = whole ? (lastRow[t] - firstRow[t]) * outW : lastCol[t] - firstCol[t];
            }
        }

        private static int ceilDiv(int a, int b) {
            return (a + b - 1) / b;
        }

        /** The phase tap t reads. */
        int phase(int t) {
            return phase[t];
        }

        /** How far tap t reads from the output position, within its phase plane. */
        int shift(int t) {
            return shift[t];
        }

        /** By rows: how many runs tap t makes per output plane, a run's length, and where the first starts; one outW apart. */
        int runs(int t) {
            return runs[t];
        }

        int runLength(int t) {
            return runLength[t];
        }

        int runStart(int t) {
            return runStart[t];
        }

        /** Input rows phase row qh holds; later rows of a phase plane are 0. */
        int heldRows(int qh) {
            return (height - qh + sh - 1) / sh;
        }

        /** Input columns phase column qw holds; later columns of a phase row are 0. */
        int heldColumns(int qw) {
            return (width - qw + sw - 1) / sw;
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

        /** The masks, then every output channel's coefficients. */
        void coefficients(float[] w, float[] scratch) {
            masks(scratch);
            Parallel.forEach(cout, o -> coefficients(w, scratch, o));
        }

        /** Per tap 1 where it falls inside the input, else 0. */
        void masks(float[] scratch) {
            for (int t = 0; t < k; t++) {
                int mo = maskAt + t * op;
                Arrays.fill(scratch, mo, mo + op, 0f);
                for (int r = firstRow[t]; r < lastRow[t]; r++) {
                    Arrays.fill(scratch, mo + r * outW + firstCol[t], mo + r * outW + lastCol[t], 1f);
                }
            }
        }

        /** Output channel o's weights spread over the masks. */
        void coefficients(float[] w, float[] scratch, int o) {
            for (int t = 0; t < k; t++) {
                for (int i = 0; i < cig; i++) {
                    scale(w[(o * cig + i) * k + t], scratch, maskAt + t * op, scratch, coef(t, o, i), op);
                }
            }
        }

        /** dw of output plane {@code o}, one image at a time: a dot product over the runs each tap reads. */
        void weightGradientByRows(float[] dy, float[] src, float[] dw, int o) {
            for (int i = 0; i < cig; i++) {
                for (int t = 0; t < k; t++) {
                    int so = sourceChannel(o, i);
                    float sum = 0;
                    for (int b = 0; b < n; b++) {
                        int dyo = (b * cout + o) * op, xo = source(b, phase(t), so) + shift(t);
                        for (int r = 0, lo = runStart(t); r < runs(t); r++, lo += outW) {
                            sum += dot(dy, dyo + lo, src, xo + lo, runLength(t));
                        }
                    }
                    dw[(o * cig + i) * k + t] = sum;
                }
            }
        }

        /**
         * dw of output planes {@code task * dwBlock ...}: per-position sums of dy times the input
         * each tap reads, over the batch, in the coefficients' place; then masked plane sums.
         */
        void weightGradientByPositions(float[] dy, float[] src, float[] dw, int task, float[] scratch) {
            int o0 = task * dwBlock, o1 = Math.min(cout, o0 + dwBlock);
            int len = (o1 - o0) * op;
            for (int t = 0; t < k; t++) {
                for (int i = 0; i < cig; i++) {
                    int at = coef(t, o0, i);
                    Arrays.fill(scratch, at, at + len, 0f);
                }
            }
            for (int b = 0; b < n; b++) {
                int dyo = (b * cout + o0) * op;
                for (int i = 0; i < cig; i++) {
                    for (int t = 0; t < k; t++) {
                        int shift = shift(t);
                        multiplyAdd(dy, dyo, src, source(b, phase(t), sourceChannel(o0, i)) + shift,
                                scratch, coef(t, o0, i), Math.max(0, -shift), Math.min(len, len - shift));
                    }
                }
            }
            for (int o = o0; o < o1; o++) {
                for (int i = 0; i < cig; i++) {
                    for (int t = 0; t < k; t++) {
                        dw[(o * cig + i) * k + t] = dot(scratch, maskAt + t * op, scratch, coef(t, o, i), op);
                    }
                }
            }
        }

        /** Writes the phase planes (and their copies) of input planes {@code task}'s block of x into {@code out}. */
        void layOut(float[] x, float[] out, int task) {
            int b = task / inBlocks, c0 = task % inBlocks * inBlock, c1 = Math.min(cin, c0 + inBlock);
            int ch0 = replicated ? c0 * cog : c0;
            if (pairs) {
                split(x, (b * cin + c0) * ip, out, source(b, 0, ch0), source(b, 1, ch0), (c1 - c0) * op, pairSize);
            } else {
                for (int c = c0; c < c1; c++) {
                    layOutPlane(x, (b * cin + c) * ip, out, b, replicated ? c * cog : c);
                }
            }
            for (int q = 0; q < s; q++) {
                for (int r = 1; r < channels / cin; r++) {
                    copy(out, source(b, q, ch0), out, source(b, q, ch0 + r), op);
                }
            }
        }

        private void layOutPlane(float[] x, int xo, float[] out, int b, int ch) {
            for (int qh = 0; qh < sh; qh++) {
                int held = heldRows(qh);
                for (int j = 0; j < held; j++) {
                    int row = xo + (qh + sh * j) * width, to = j * outW;
                    if (pairColumns) {
                        split(x, row, out, source(b, qh * sw, ch) + to, source(b, qh * sw + 1, ch) + to, outW, 1);
                        continue;
                    }
                    for (int qw = 0; qw < sw; qw++) {
                        int at = source(b, qh * sw + qw, ch) + to, cols = heldColumns(qw);
                        gather(x, row + qw, sw, out, at, cols);
                        Arrays.fill(out, at + cols, at + outW, 0f);
                    }
                }
                for (int qw = 0; qw < sw; qw++) {
                    int at = source(b, qh * sw + qw, ch);
                    Arrays.fill(out, at + held * outW, at + op, 0f);
                }
            }
        }

        /** The reverse of {@link #layOut}: sums the copies of the block's planes and writes them into dx. */
        void layBack(float[] ds, float[] dx, int task) {
            int b = task / inBlocks, c0 = task % inBlocks * inBlock, c1 = Math.min(cin, c0 + inBlock);
            int ch0 = replicated ? c0 * cog : c0;
            for (int q = 0; q < s; q++) {
                for (int r = 1; r < channels / cin; r++) {
                    add(ds, source(b, q, ch0 + r), ds, source(b, q, ch0), op);
                }
            }
            if (pairs) {
                merge(ds, source(b, 0, ch0), source(b, 1, ch0), dx, (b * cin + c0) * ip, (c1 - c0) * op, pairSize);
                return;
            }
            for (int c = c0; c < c1; c++) {
                int xo = (b * cin + c) * ip, ch = replicated ? c * cog : c;
                for (int qh = 0; qh < sh; qh++) {
                    for (int j = 0; j < heldRows(qh); j++) {
                        int row = xo + (qh + sh * j) * width, from = j * outW;
                        if (pairColumns) {
                            merge(ds, source(b, qh * sw, ch) + from, source(b, qh * sw + 1, ch) + from, dx, row, outW,
                                    1);
                            continue;
                        }
                        for (int qw = 0; qw < sw; qw++) {
                            scatter(ds, source(b, qh * sw + qw, ch) + from, dx, row + qw, sw, heldColumns(qw));
                        }
                    }
                }
            }
        }
    }
}
