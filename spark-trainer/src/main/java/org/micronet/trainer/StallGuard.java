package org.micronet.trainer;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Stops Spark work that cannot finish. A job whose executors are all gone waits for resources
 * for ever (DL4J's parameter averaging then blocks in its aggregation and the driver logs
 * nothing), and one whose barrier stage lacks task slots waits in Spark's slot check; so while
 * {@link #run} runs a job, a watchdog cancels it (and interrupts the wait for it) when no task has started or
 * finished (and no executor joined) for {@code limit}, or a cluster has had no executor for that
 * long, and {@link #run} throws {@link TrainingStalledException} saying which.
 */
final class StallGuard implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StallGuard.class);
    private static final String JOB_GROUP = "micronet-guarded";

    private final JavaSparkContext sc;
    private final long limitNanos;
    private final String advice;
    private final SparkListener progress;
    private final ScheduledExecutorService watchdog;
    private final boolean local;
    private volatile long lastActivity;
    private volatile long lastExecutorSeen;
    private boolean guarding;  // guarded by this, with guarded
    private Thread guarded;
    private volatile String stalled;

    /** {@code advice} ends the error: what was kept and how to go on. */
    StallGuard(JavaSparkContext sc, Duration limit, String advice) {
        this.sc = sc;
        this.advice = advice;
        this.limitNanos = limit.toNanos();
        this.local = sc.sc().isLocal();
        this.progress = new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart taskStart) {
                lastActivity = System.nanoTime();
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
                lastActivity = System.nanoTime();
            }

            @Override
            public void onExecutorAdded(SparkListenerExecutorAdded executorAdded) {
                lastActivity = System.nanoTime();
            }
        };
        sc.sc().addSparkListener(progress);
        watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "micronet-stall-guard");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(200, Math.min(10_000, limit.toMillis() / 10));
        watchdog.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    /** Runs {@code job} (e.g. a chunk's fit) under the guard; {@code what} names it in the error. */
    <T> T run(String what, Callable<T> job) {
        long now = System.nanoTime();
        lastActivity = now;
        lastExecutorSeen = now;
        stalled = null;
        synchronized (this) {
            guarding = true;
            guarded = Thread.currentThread();
        }
        // a job group whose tasks are interrupted on cancel: a hung task would otherwise hold its core
        sc.setJobGroup(JOB_GROUP, what, true);
        try {
            return job.call();
        } catch (Exception e) {
            if (stalled != null) {
                throw new TrainingStalledException(what + ": " + stalled + "; stopped. " + advice, e);
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new RunFailedException(what + ": " + e.getMessage(), e);  // Spark's checked exceptions, rethrown by Scala
        } finally {
            synchronized (this) {
                guarding = false;
                Thread.interrupted();  // the watchdog's, if the job ended by itself meanwhile
            }
            sc.clearJobGroup();
        }
    }

    private synchronized void check() {
        if (!guarding || stalled != null) {
            return;
        }
        long now = System.nanoTime();
        int executors = sc.sc().statusTracker().getExecutorInfos().length - 1;  // the driver is listed too
        if (local || executors > 0) {
            lastExecutorSeen = now;
        }
        String why = null;
        if (now - lastExecutorSeen > limitNanos) {
            why = "the cluster has had no executor for " + minutes(now - lastExecutorSeen);
        } else if (now - lastActivity > limitNanos) {
            String idle = "no Spark task has started or finished for " + minutes(now - lastActivity);
            // executors lost with their tasks: Spark may report the tasks' end after the last count that saw them
            why = local ? idle : executors == 0 ? "the cluster has had no executor for "
                    + minutes(now - lastExecutorSeen) + ", and " + idle : idle + " (" + executors + " executors registered)";
        }
        if (why != null) {
            stalled = why;
            log.error("{}; cancelling the job", why);
            sc.cancelJobGroup(JOB_GROUP);
            // a job still waiting for a barrier stage's slots is not yet active, so the cancel
            // misses it; the interrupt ends the driver's wait for it
            guarded.interrupt();
        }
    }

    private static String minutes(long nanos) {
        return String.format("%.1f minutes", nanos / 60e9);
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        sc.sc().removeSparkListener(progress);
    }
}
