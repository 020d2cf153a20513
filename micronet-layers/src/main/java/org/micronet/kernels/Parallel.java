package org.micronet.kernels;

import java.util.function.IntConsumer;

/**
 * Runs independent slices of a kernel (images of a batch, channel groups) on the calling thread
 * and the {@link KernelTeam}'s helpers: one thread a CPU, or {@code -Dmicronet.kernels.threads=N}.
 * With 1 (or a single CPU) every slice stays on the calling thread, for latency measured on one
 * core. {@link #limitThreads} lowers the count at run time, for callers that run several kernels
 * at once (one per core). The team runs one loop at a time: a second caller that finds it busy
 * (a loop inside a loop, or two Spark workers of one JVM with two threads each) runs its loop
 * alone, where the common fork-join pool used before shared its threads between them.
 */
public final class Parallel {
    public static final String THREADS_PROPERTY = "micronet.kernels.threads";
    private static final int THREADS = Math.max(1, Integer.getInteger(THREADS_PROPERTY,
            Runtime.getRuntime().availableProcessors()));
    private static volatile int limit = THREADS;

    private Parallel() {
    }

    /** Every later call uses at most {@code threads} threads (1: its calling thread only), and never more than configured. */
    public static void limitThreads(int threads) {
        limit = Math.max(1, Math.min(threads, THREADS));
    }

    /** The threads a call may use now. */
    public static int threads() {
        return limit;
    }

    /** Calls {@code body} for 0 .. count-1; the calls must write disjoint data. */
    public static void forEach(int count, IntConsumer body) {
        int threads = limit;
        if (threads < 2 || count < 2 || !Team.INSTANCE.tryRun(count, body, threads - 1)) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
        }
    }

    /** Started on the first parallel loop, so a JVM that never runs one keeps no idle threads. */
    private static final class Team {
        static final KernelTeam INSTANCE = new KernelTeam(THREADS - 1);
    }
}
