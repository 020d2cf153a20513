package org.micronet.kernels;

import java.util.function.IntConsumer;

/**
 * Runs independent slices of a kernel (images of a batch, channel groups) on the calling thread
 * and a {@link KernelTeam}'s helpers: one thread a CPU, or {@code -Dmicronet.kernels.threads=N}.
 * With 1 (or a single CPU) every slice stays on the calling thread, for latency measured on one
 * core. {@link #limitThreads} lowers the count at run time, for callers that run several kernels
 * at once (one per core). Callers that loop at the same time (Spark workers of one JVM with two
 * threads or more each) get a team each; a loop inside a loop stays on its thread.
 */
public final class Parallel {
    public static final String THREADS_PROPERTY = "micronet.kernels.threads";
    private static final int THREADS = Math.max(1, Integer.getInteger(THREADS_PROPERTY,
            Runtime.getRuntime().availableProcessors()));
    /** Helpers of all teams together: enough for a team of all CPUs and one per worker beside it. */
    private static final int MAX_HELPERS = 2 * (THREADS - 1);
    private static volatile int limit = THREADS;
    private static volatile KernelTeam[] teams = {};
    private static int helpers;

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
        if (threads < 2 || count < 2 || !onATeam(count, body, threads - 1)) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
        }
    }

    /** False when the loop should stay on this thread: it runs inside a team's loop, or no team is free. */
    private static boolean onATeam(int count, IntConsumer body, int helpersWanted) {
        Thread self = Thread.currentThread();
        KernelTeam[] all = teams;
        for (KernelTeam t : all) {
            if (t.involves(self)) {
                return false;
            }
        }
        for (KernelTeam t : all) {
            if (t.helperCount() >= helpersWanted && t.tryRun(count, body, helpersWanted)) {
                return true;
            }
        }
        KernelTeam added = addTeam(helpersWanted);
        return added != null && added.tryRun(count, body, helpersWanted);
    }

    private static synchronized KernelTeam addTeam(int helpersWanted) {
        if (helpers + helpersWanted > MAX_HELPERS) {
            return null;
        }
        KernelTeam t = new KernelTeam(teams.length + 1, helpersWanted);
        helpers += helpersWanted;
        KernelTeam[] grown = java.util.Arrays.copyOf(teams, teams.length + 1);
        grown[teams.length] = t;
        teams = grown;
        return t;
    }
}
