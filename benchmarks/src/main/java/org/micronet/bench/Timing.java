package org.micronet.bench;

import org.micronet.cli.JitWarmUp;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Repeats an action, after warm-up runs, and keeps the median wall time. */
public final class Timing {
    private Timing() {
    }

    /**
     * What the timed runs cost besides time, measured around them only (after the warm-up):
     * Java heap bytes allocated per run by the timing thread and by every JVM thread (the timing
     * thread plus the kernel team's helpers, which allocate nothing; a thread that ended during
     * the runs is missed), and the garbage collections that ran meanwhile. Off-heap buffers are
     * not Java heap allocations: ND4J's that were created outside a workspace during the runs are
     * counted apart ({@link NativeBuffers}); libtorch's are not seen.
     */
    public record Measurement(String warmup, double medianSeconds, int runs, double heapBytesPerRun,
                              double heapBytesPerRunAllThreads, long gcCount, long gcMillis, double nativeBuffersPerRun,
                              double nativeBytesPerRun) {
    }

    /**
     * Warm-up stops at this many seconds, after {@link #MIN_WARMUP} calls: our batch-1 pass needs
     * about 2,000 calls before the JIT has compiled its kernels (M0 at 224: 5.5-6.0 ms after 50,
     * 2.9-3.0 after 2,000), which would take DL4J's built-in layers minutes at M3's 0.12 s a pass.
     * Every network timed here gets the same rule, PyTorch's process too.
     */
    static final double WARMUP_SECONDS = 20;
    static final int MIN_WARMUP = 3;

    /** Median seconds of {@code runs} timed calls after up to {@code warmup} untimed ones (see {@link #WARMUP_SECONDS}). */
    public static double medianSeconds(int warmup, int runs, Runnable action) {
        return measure(warmup, runs, action).medianSeconds();
    }

    /**
     * {@link #medianSeconds} with the allocations and garbage collections of the timed calls,
     * counted around each call, outside its timed span.
     */
    public static Measurement measure(int warmup, int runs, Runnable action) {
        long start = System.nanoTime();
        long warmupEnd = start + (long) (WARMUP_SECONDS * 1e9);
        int i = 0;
        for (; i < warmup && (i < MIN_WARMUP || System.nanoTime() < warmupEnd); i++) {
            action.run();
        }
        return timed(String.format("%d in %.1f s", i, (System.nanoTime() - start) / 1e9), runs, action);
    }

    /**
     * {@link #measure} for training steps, after {@code warmup} untimed ones and then more until the
     * JIT has gone quiet ({@link JitWarmUp}): the rule of {@code micronet benchmark --mode train}.
     */
    public static Measurement measureTraining(int warmup, int runs, Runnable step) {
        return timed(JitWarmUp.run(warmup, step).describe(), runs, step);
    }

    private static Measurement timed(String warmup, int runs, Runnable action) {
        double[] t = new double[runs];
        long own = 0, all = 0, gcCount = 0, gcMillis = 0, buffers = 0, bufferBytes = 0;
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < runs; i++) {
            Set<Object> buffersBefore = NativeBuffers.snapshot();
            Map<Long, Long> allBefore = allocatedByThread(threads);
            long[] gcBefore = gc();
            long before = threads.getCurrentThreadAllocatedBytes();
            long start = System.nanoTime();
            action.run();
            t[i] = (System.nanoTime() - start) / 1e9;
            own += threads.getCurrentThreadAllocatedBytes() - before;
            long[] gcAfter = gc();
            gcCount += gcAfter[0] - gcBefore[0];
            gcMillis += gcAfter[1] - gcBefore[1];
            for (Map.Entry<Long, Long> e : allocatedByThread(threads).entrySet()) {
                // a thread started during the call allocated all it has during it
                all += e.getValue() - allBefore.getOrDefault(e.getKey(), 0L);
            }
            NativeBuffers.Count created = NativeBuffers.createdSince(buffersBefore);
            buffers += created.buffers();
            bufferBytes += created.bytes();
        }
        Arrays.sort(t);
        double median = runs % 2 == 1 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
        return new Measurement(warmup, median, runs, own / (double) runs, all / (double) runs, gcCount, gcMillis,
                buffers / (double) runs, bufferBytes / (double) runs);
    }

    private static Map<Long, Long> allocatedByThread(com.sun.management.ThreadMXBean threads) {
        long[] ids = threads.getAllThreadIds();
        long[] bytes = threads.getThreadAllocatedBytes(ids);
        Map<Long, Long> out = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] >= 0) {
                out.put(ids[i], bytes[i]);
            }
        }
        return out;
    }

    /** {collections, milliseconds} over all collectors since the JVM started. */
    static long[] gc() {
        long count = 0, millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new long[]{count, millis};
    }
}
