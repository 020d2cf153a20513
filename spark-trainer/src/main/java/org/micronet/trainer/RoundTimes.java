package org.micronet.trainer;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;

/**
 * Where the time of averaging rounds goes: on the driver, the rounds' wall time and the part
 * spent broadcasting the parameters; on the workers (through Spark accumulators), setting up the
 * network, reading (decoding) minibatches that were not read before the rounds, fitting them and,
 * with barrier averaging, exchanging and averaging the parameters, of which the part spent
 * waiting (for the slowest worker, and between JVMs for Spark's barrier coordination) is also
 * given on its own, as is the time the worker's JVM stood paused in garbage collections (within
 * the other parts) and the time its JIT compiled, on threads beside the worker's, taking cores
 * from the workers ({@link JvmTime}). The rest is Spark's: launching jobs,
 * moving tasks and results, and with driver averaging, the averaging. {@link #take} returns and
 * resets the totals.
 */
final class RoundTimes implements Serializable {
    /** Totals of a number of rounds, in milliseconds per round (all but {@code total} and {@code broadcast} per worker). */
    record PerRound(long rounds, double total, double broadcast, double setup, double data, double fit, double exchange,
                    double waiting, double collections, double compiling) {
        static final PerRound NONE = new PerRound(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        double spark() {
            return total - broadcast - setup - data - fit - exchange;
        }

        String line() {
            // tenths: a round of M0 at global batch 40 takes about 11 ms, and its exchange under 2
            String line = String.format("%d rounds of %.1f ms: broadcast %.1f, worker set-up %.1f, data %.1f, fit %.1f, "
                    + "exchange %.1f, Spark %.1f", rounds, total, broadcast, setup, data, fit, exchange, spark());
            String jvm = String.format("paused by collections %.1f; beside it, the JIT compiled %.1f", collections,
                    compiling);
            return line + (exchange > 0 ? String.format(" (of the exchange, %.1f waiting; of all, %s)", waiting, jvm)
                    : " (of all, " + jvm + ")");
        }
    }

    private final LongAccumulator setupNanos;
    private final LongAccumulator dataNanos;
    private final LongAccumulator fitNanos;
    private final LongAccumulator exchangeNanos;
    private final LongAccumulator waitingNanos;
    private final LongAccumulator collectionNanos;
    private final LongAccumulator compilingNanos;
    private final LongAccumulator workerRounds;
    private transient long roundNanos;
    private transient long broadcastNanos;
    private transient long rounds;

    RoundTimes(JavaSparkContext sc) {
        setupNanos = sc.sc().longAccumulator("micronet.round.setupNanos");
        dataNanos = sc.sc().longAccumulator("micronet.round.dataNanos");
        fitNanos = sc.sc().longAccumulator("micronet.round.fitNanos");
        exchangeNanos = sc.sc().longAccumulator("micronet.round.exchangeNanos");
        waitingNanos = sc.sc().longAccumulator("micronet.round.waitingNanos");
        collectionNanos = sc.sc().longAccumulator("micronet.round.collectionNanos");
        compilingNanos = sc.sc().longAccumulator("micronet.round.compilingNanos");
        workerRounds = sc.sc().longAccumulator("micronet.round.workerRounds");
    }

    /** {@code n} rounds that took {@code nanos} on the driver. */
    void rounds(long n, long nanos) {
        roundNanos += nanos;
        rounds += n;
    }

    void broadcast(long nanos) {
        broadcastNanos += nanos;
    }

    /**
     * A worker's {@code rounds}: {@code setup} before its first minibatch, {@code data} reading
     * them, {@code fit} fitting them, {@code exchange} in the averages between them, {@code waiting}
     * of that waiting for the others; {@code jvm} what its JVM spent meanwhile on its own work.
     */
    void worker(long rounds, long setup, long data, long fit, long exchange, long waiting, JvmTime jvm) {
        setupNanos.add(setup);
        dataNanos.add(data);
        fitNanos.add(fit);
        exchangeNanos.add(exchange);
        waitingNanos.add(waiting);
        collectionNanos.add(jvm.pausedNanos());
        compilingNanos.add(jvm.compilingNanos());
        workerRounds.add(rounds);
    }

    PerRound take() {
        long workers = Math.max(1, workerRounds.value());
        long n = Math.max(1, rounds);
        PerRound p = new PerRound(rounds, roundNanos / 1e6 / n, broadcastNanos / 1e6 / n,
                setupNanos.value() / 1e6 / workers, dataNanos.value() / 1e6 / workers, fitNanos.value() / 1e6 / workers,
                exchangeNanos.value() / 1e6 / workers, waitingNanos.value() / 1e6 / workers,
                collectionNanos.value() / 1e6 / workers, compilingNanos.value() / 1e6 / workers);
        setupNanos.reset();
        dataNanos.reset();
        fitNanos.reset();
        exchangeNanos.reset();
        waitingNanos.reset();
        collectionNanos.reset();
        compilingNanos.reset();
        workerRounds.reset();
        roundNanos = 0;
        broadcastNanos = 0;
        rounds = 0;
        return p;
    }
}
