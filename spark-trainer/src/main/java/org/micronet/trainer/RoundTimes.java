package org.micronet.trainer;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;

/**
 * Where the time of averaging rounds goes: on the driver, each round's wall time and the part
 * spent broadcasting the parameters; on the workers (through Spark accumulators), setting up the
 * network and fitting the minibatches. The rest of a round is Spark's: launching the job, moving
 * tasks and results, and averaging on the driver. {@link #take} returns and resets the totals.
 */
final class RoundTimes implements Serializable {
    /** Totals of a number of rounds, in milliseconds per round ({@code setup} and {@code fit} per worker). */
    record PerRound(long rounds, double total, double broadcast, double setup, double fit) {
        double spark() {
            return total - broadcast - setup - fit;
        }

        String line() {
            return String.format("%d rounds of %.0f ms: broadcast %.0f, worker set-up %.0f, fit %.0f, Spark and averaging %.0f",
                    rounds, total, broadcast, setup, fit, spark());
        }
    }

    private final LongAccumulator setupNanos;
    private final LongAccumulator fitNanos;
    private final LongAccumulator workerRounds;
    private transient long roundNanos;
    private transient long broadcastNanos;
    private transient long rounds;

    RoundTimes(JavaSparkContext sc) {
        setupNanos = sc.sc().longAccumulator("micronet.round.setupNanos");
        fitNanos = sc.sc().longAccumulator("micronet.round.fitNanos");
        workerRounds = sc.sc().longAccumulator("micronet.round.workerRounds");
    }

    void round(long nanos) {
        roundNanos += nanos;
        rounds++;
    }

    void broadcast(long nanos) {
        broadcastNanos += nanos;
    }

    /** A worker's round: {@code setup} before its first minibatch, {@code fit} for all of them. */
    void worker(long setup, long fit) {
        setupNanos.add(setup);
        fitNanos.add(fit);
        workerRounds.add(1);
    }

    PerRound take() {
        long workers = Math.max(1, workerRounds.value());
        long n = Math.max(1, rounds);
        PerRound p = new PerRound(rounds, roundNanos / 1e6 / n, broadcastNanos / 1e6 / n,
                setupNanos.value() / 1e6 / workers, fitNanos.value() / 1e6 / workers);
        setupNanos.reset();
        fitNanos.reset();
        workerRounds.reset();
        roundNanos = 0;
        broadcastNanos = 0;
        rounds = 0;
        return p;
    }
}
