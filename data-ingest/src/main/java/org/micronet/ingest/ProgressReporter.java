package org.micronet.ingest;

import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Logs a Spark job's progress over images on the driver (the ingest's, score's): images done
 * (accepted + rejected) of the total, rate and ETA. Accumulators reach the driver as tasks
 * finish, i.e. one update per shard or part.
 */
public final class ProgressReporter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);

    private final String job;
    private final long total;
    private final LongAccumulator accepted;
    private final LongAccumulator rejected;
    private final long start = System.nanoTime();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "images-progress");
        t.setDaemon(true);
        return t;
    });

    /** @param job names the job in every line, e.g. "ingest" */
    public ProgressReporter(String job, long total, LongAccumulator accepted, LongAccumulator rejected,
                            int intervalSeconds) {
        this.job = job;
        this.total = total;
        this.accepted = accepted;
        this.rejected = rejected;
        timer.scheduleAtFixedRate(this::log, intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
    }

    void log() {
        long done = accepted.value() + rejected.value();
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        String eta = done == 0 ? "unknown" : formatDuration((total - done) / rate);
        LOG.info(String.format("%s: %d/%d images (%.1f%%), %d rejected, %.0f images/s, elapsed %s, ETA %s",
                job, done, total, 100.0 * done / Math.max(total, 1), rejected.value(), rate, formatDuration(seconds), eta));
    }

    static String formatDuration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%dm%02ds", s / 60, s % 60);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        log();
    }
}
