package org.micronet.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The threads that help {@link Parallel} callers: kept for the JVM's life, they spin a short while
 * after each parallel loop, so the next one (a step runs hundreds, most of them tens of
 * microseconds long) finds them awake, and park after that. Items are handed out in runs from a
 * shared counter, so a helper that wakes late takes fewer, and the caller waits only for items
 * already taken. A call allocates nothing.
 *
 * <p>The common fork-join pool, used before, parks its worker at once and allocates split tasks
 * for every loop. M0's training at 32x32 on two threads, old and new in turns: batch 40 went
 * from 2,410-2,687 images/s to 2,915-3,093, batch 128 from 3,603-4,444 to 4,618-6,097; 224x224
 * at batch 64, whose loops are long, stayed at 216-217.
 */
final class KernelTeam {
    /** How long an idle helper spins before it parks: longer than the gap between the loops of a step. */
    private static final long SPIN_NANOS = 200_000;
    /** Runs of items each thread takes, on average: enough for a helper that joins late to still get a share. */
    private static final int RUNS_PER_THREAD = 4;

    private final Helper[] helpers;
    private volatile Thread caller;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger done = new AtomicInteger();
    private volatile IntConsumer body;
    private volatile int count;
    private volatile int joining;
    private volatile Throwable failure;
    /** The loop being run, counted from 1; a helper joins a loop only while it is not closed. */
    private volatile long generation;
    private volatile long closed;

    KernelTeam(int team, int helperCount) {
        helpers = new Helper[helperCount];
        for (int i = 0; i < helperCount; i++) {
            helpers[i] = new Helper(team, i);
            helpers[i].start();
        }
    }

    int helperCount() {
        return helpers.length;
    }

    /** Whether {@code t} is running this team's loop now, as its caller or as a helper. */
    boolean involves(Thread t) {
        if (t == caller) {
            return true;
        }
        for (Helper h : helpers) {
            if (h == t) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code body} for 0 .. count-1 on the calling thread and up to {@code helperCount} helpers;
     * false, having run nothing, when the team is running another caller's loop.
     */
    boolean tryRun(int count, IntConsumer body, int helperCount) {
        if (!busy.compareAndSet(false, true)) {
            return false;
        }
        try {
            caller = Thread.currentThread();
            this.body = body;
            this.count = count;
            joining = Math.min(helperCount, helpers.length);
            failure = null;
            next.set(0);
            done.set(0);
            long g = generation + 1;
            generation = g;
            for (int i = 0; i < joining; i++) {
                if (helpers[i].parked) {
                    LockSupport.unpark(helpers[i]);
                }
            }
            work();
            for (int spins = 0; done.get() < count; spins++) {
                pause(spins);
            }
            closed = g;
            for (Helper h : helpers) {
                for (int spins = 0; h.active == g; spins++) {
                    pause(spins);
                }
            }
            this.body = null;
            Throwable t = failure;
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t != null) {
                throw (Error) t;  // an IntConsumer throws no checked exception
            }
            return true;
        } finally {
            caller = null;
            busy.set(false);
        }
    }

    /**
     * Takes runs of items until none is left, and counts them done at the end: every item that a
     * counter shared with another core hands out costs a cache-line transfer. A failing item is
     * recorded and the others still run, so {@code done} reaches the count.
     */
    private void work() {
        IntConsumer b = body;
        int n = count;
        int run = Math.max(1, n / (RUNS_PER_THREAD * (joining + 1)));
        int finished = 0;
        for (int first; (first = next.getAndAdd(run)) < n; ) {
            int end = Math.min(n, first + run);
            for (int i = first; i < end; i++) {
                try {
                    b.accept(i);
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    }
                }
            }
            finished += end - first;
        }
        done.addAndGet(finished);
    }

    private static void pause(int spins) {
        if (spins < 10_000) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    private final class Helper extends Thread {
        private final int index;
        private volatile long active;
        private volatile boolean parked;

        Helper(int team, int index) {
            super("micronet-kernels-" + team + "-" + (index + 1));
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                seen = awaitLoopAfter(seen);
                active = seen;
                // the caller closes a loop before it starts the next, and waits for helpers still active in it
                if (closed < seen && index < joining) {
                    work();
                }
                active = 0;
            }
        }

        private long awaitLoopAfter(long seen) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            long g;
            while ((g = generation) == seen) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    if (generation == seen) {
                        LockSupport.park(this);
                    }
                    parked = false;
                }
            }
            return g;
        }
    }
}
