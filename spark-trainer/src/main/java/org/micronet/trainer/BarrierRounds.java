package org.micronet.trainer;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.micronet.config.ConfigException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

import javax.crypto.SecretKey;
import java.io.Serializable;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * All averaging rounds of a chunk in one Spark barrier stage: one task per worker fits its
 * partition's minibatches, {@code averagingFrequency} a round, and after each round the tasks
 * exchange parameters and updater state and each averages them ({@link ParameterExchange}: in
 * memory when they all run in the driver's JVM, else over connections between them). The rounds
 * are those of driver averaging (round r is minibatches
 * {@code [r * averagingFrequency, (r + 1) * averagingFrequency)} of every partition that still
 * has them; a round averages the workers that fitted in it) with the same arithmetic, but a
 * chunk costs one Spark job instead of one per round. The stage needs a task slot per worker at
 * once, which Spark checks when it submits the stage; a lost task re-runs the whole chunk from the
 * driver's parameters.
 */
final class BarrierRounds {
    /**
     * How the workers exchange their states: {@code auto} (the default: in memory in local mode,
     * else over connections between the workers), {@code peers} ({@link PeerExchange}, sealed when
     * {@code spark.network.crypto.enabled}), {@code blocks} ({@link GatheredExchange}: Spark's block
     * transfer service and {@code allGather}, through the ports Spark already uses) or
     * {@code memory} ({@link SharedMemoryExchange}, local mode only). A Spark configuration key; a
     * local property of the same name on the driver's thread overrides it.
     */
    static final String EXCHANGE_CONF = "spark.micronet.exchange";

    /**
     * The first port a worker's {@link PeerExchange} listens on (the executor tries the
     * {@code spark.port.maxRetries} after it, as Spark's services do); 0, the default, any free port.
     */
    static final String EXCHANGE_PORT_CONF = "spark.micronet.exchange.port";

    /**
     * Whether workers of the {@code peers} exchange that run on one host take each other's states
     * from its shared memory ({@link HostRegion}) rather than over their connection: {@code true}
     * (the default) or {@code false}. Never while Spark encrypts its local files
     * ({@code spark.io.encryption.enabled}), which the states would otherwise lie beside in the
     * clear. Set as {@link #EXCHANGE_CONF} is.
     */
    static final String SHARED_MEMORY_CONF = "spark.micronet.exchange.sharedMemory";

    enum Exchange { MEMORY, PEERS, BLOCKS }

    private BarrierRounds() {
    }

    /**
     * Refuses, before any work, a Spark that cannot run the stage: with dynamic allocation (Spark
     * refuses barrier stages then), or in local mode with fewer threads than workers (Spark would
     * retry the stage for ten minutes before failing). On a cluster, executors may still be
     * joining, so too few slots there show as a stalled run ({@code progress.stallMinutes}).
     */
    static void checkCanRun(JavaSparkContext sc, int workers) {
        String advice = ", or set averaging: driver (a Spark job per round)";
        if (SparkContexts.dynamicAllocation(sc)) {
            throw new ConfigException("barrier averaging cannot run with spark.dynamicAllocation.enabled=true: "
                    + "disable it and ask for " + workers + " task slots" + advice);
        }
        exchange(sc);
        sharedMemory(sc);
        OptionalInt local = WorkerThreads.localThreads(sc.master());
        if (local.isPresent()) {
            int threads = local.getAsInt();
            if (threads < workers) {
                throw new ConfigException("workers = " + workers + " with barrier averaging needs " + workers
                        + " tasks at once, and master " + sc.master() + " runs " + threads + ": use local[" + workers
                        + "] or fewer workers" + advice);
            }
        }
    }

    /** The exchange {@link #EXCHANGE_CONF} asks for on {@code sc}. */
    static Exchange exchange(JavaSparkContext sc) {
        String asked = sc.getLocalProperty(EXCHANGE_CONF);
        if (asked == null) {
            asked = sc.getConf().get(EXCHANGE_CONF, "auto");
        }
        switch (asked) {
            case "auto":
                return sc.isLocal() ? Exchange.MEMORY : Exchange.PEERS;
            case "peers":
                return Exchange.PEERS;
            case "blocks":
                return Exchange.BLOCKS;
            case "memory":
                if (sc.isLocal()) {
                    return Exchange.MEMORY;
                }
                throw new ConfigException(EXCHANGE_CONF + " = memory needs Spark's local mode (all workers in the driver's"
                        + " JVM), and master " + sc.master() + " is a cluster: use auto, peers or blocks");
            default:
                throw new ConfigException(EXCHANGE_CONF + " = '" + asked + "': expected auto, peers, blocks or memory");
        }
    }

    /** Whether {@link PeerExchange}'s workers on one host exchange through its memory ({@link #SHARED_MEMORY_CONF}). */
    static boolean sharedMemory(JavaSparkContext sc) {
        String asked = sc.getLocalProperty(SHARED_MEMORY_CONF);
        if (asked == null) {
            asked = sc.getConf().get(SHARED_MEMORY_CONF, "true");
        }
        if (!asked.equals("true") && !asked.equals("false")) {
            throw new ConfigException(SHARED_MEMORY_CONF + " = '" + asked + "': expected true or false");
        }
        return asked.equals("true") && !sc.getConf().getBoolean("spark.io.encryption.enabled", false);
    }

    /** Whether {@link PeerExchange} seals the states: when Spark encrypts its own traffic. */
    static boolean sealed(JavaSparkContext sc) {
        return sc.getConf().getBoolean("spark.network.crypto.enabled", false);
    }

    /** How the workers of {@code sc} exchange, in words for the log. */
    static String describe(JavaSparkContext sc) {
        return switch (exchange(sc)) {
            case MEMORY -> "in the driver's memory (local mode)";
            case PEERS -> "over connections between them, " + (sealed(sc) ? "sealed with AES-GCM" : "unencrypted")
                    + (sharedMemory(sc) ? ", and through shared memory between workers on one host" : "")
                    + " (" + EXCHANGE_CONF + ", " + SHARED_MEMORY_CONF + ")";
            case BLOCKS -> "through Spark's block managers (" + EXCHANGE_CONF + ")";
        };
    }

    /** The first worker's state after the chunk, which every worker holds. */
    private record Averaged(INDArray parameters, INDArray updaterState, double score, int rounds) implements Serializable {
    }

    /**
     * Local mode's results, handed to the driver in its own JVM: through the shuffle and the task
     * result, M0's 3 MB took 130 ms a chunk.
     */
    private static final ConcurrentHashMap<UUID, Averaged> IN_MEMORY_RESULTS = new ConcurrentHashMap<>();

    /**
     * Fits {@code chunk} (one partition per worker, one minibatch per element) on the workers
     * {@code worker} sets up, then sets the driver's network to the workers' final average and
     * advances its iteration count by {@code averagingFrequency} a round, as DL4J's master does.
     */
    static void fit(SparkComputationGraph graph, JavaRDD<MultiDataSet> chunk, ResidentNetworkWorker worker,
                    int averagingFrequency, RoundTimes times) {
        long t0 = System.nanoTime();
        JavaSparkContext sc = graph.getSparkContext();
        Exchange exchange = exchange(sc);
        UUID key = UUID.randomUUID();
        SecretKey sealing = exchange == Exchange.PEERS && sealed(sc) ? StateCipher.newKey() : null;
        boolean hostMemory = exchange == Exchange.PEERS && sharedMemory(sc);
        ClassTag<Averaged> tag = ClassTag$.MODULE$.apply(Averaged.class);
        JavaRDD<Averaged> rounds = new JavaRDD<>(chunk.rdd().barrier()
                .mapPartitions(new WorkerTask(worker, averagingFrequency, times, exchange, key, sealing, hostMemory), false, tag), tag);
        // Spark never retries a failed barrier result stage (its tasks may have committed output);
        // behind a shuffle it is a map stage, which Spark re-runs whole when an executor is lost
        Averaged last;
        try {
            List<Averaged> results = rounds.repartition(1).collect();
            last = exchange == Exchange.MEMORY ? IN_MEMORY_RESULTS.get(key) : results.isEmpty() ? null : results.get(0);
        } finally {
            IN_MEMORY_RESULTS.remove(key);  // also after a failed stage whose first worker had finished
        }
        if (last == null) {
            return;  // no worker had a minibatch
        }
        ComputationGraph net = graph.getNetwork();
        net.setParams(last.parameters());
        if (last.updaterState() != null) {
            net.getUpdater().setStateViewArray(last.updaterState());
        }
        graph.setScore(last.score());
        ComputationGraphConfiguration conf = net.getConfiguration();
        conf.setIterationCount(conf.getIterationCount() + last.rounds() * averagingFrequency);
        times.rounds(last.rounds(), System.nanoTime() - t0);
    }

    /** One worker's rounds of the chunk. */
    private static final class WorkerTask extends AbstractFunction1<scala.collection.Iterator<MultiDataSet>,
            scala.collection.Iterator<Averaged>> implements Serializable {
        private final ResidentNetworkWorker worker;
        private final int averagingFrequency;
        private final RoundTimes times;
        private final Exchange exchange;
        /** The chunk's: admits its workers to each other's connections, and files the result in {@link #IN_MEMORY_RESULTS}. */
        private final UUID key;
        /** Seals the states the workers send each other; null: they travel in the clear. */
        private final SecretKey sealing;
        /** Whether workers on one host exchange through its shared memory. */
        private final boolean hostMemory;

        WorkerTask(ResidentNetworkWorker worker, int averagingFrequency, RoundTimes times, Exchange exchange, UUID key,
                   SecretKey sealing, boolean hostMemory) {
            this.worker = worker;
            this.averagingFrequency = averagingFrequency;
            this.times = times;
            this.exchange = exchange;
            this.key = key;
            this.sealing = sealing;
            this.hostMemory = hostMemory;
        }

        @Override
        public scala.collection.Iterator<Averaged> apply(scala.collection.Iterator<MultiDataSet> partition) {
            BarrierTaskContext task = BarrierTaskContext.get();
            Minibatches minibatches = new Minibatches(JavaConverters.asJavaIterator(partition));
            long t0 = System.nanoTime();
            JvmTime jvm = JvmTime.now();
            ResidentNetwork net = worker.getInitialModelGraph();
            try (ParameterExchange exchange = switch (this.exchange) {
                case MEMORY -> new SharedMemoryExchange(task, net);
                case PEERS -> new PeerExchange(task, net, key, sealing, hostMemory);
                case BLOCKS -> new GatheredExchange(task, net);
            }) {
                int start = net.getConfiguration().getIterationCount();
                long setup = System.nanoTime() - t0;
                long fit = 0;
                long exchanging = 0;
                int rounds = 0;
                while (true) {
                    int fitted = 0;
                    MultiDataSet minibatch;
                    while (fitted < averagingFrequency && (minibatch = minibatches.next()) != null) {
                        long f0 = System.nanoTime();
                        worker.processMinibatch(minibatch, net, false);
                        fit += System.nanoTime() - f0;
                        fitted++;
                    }
                    long e0 = System.nanoTime();
                    long read = minibatches.nanos;
                    int averaged = exchange.average(net, fitted > 0, minibatches::readAhead);
                    exchanging += System.nanoTime() - e0 - (minibatches.nanos - read);
                    if (averaged == 0) {
                        break;  // no worker had a minibatch left
                    }
                    rounds++;
                    // as DL4J's master counts: averagingFrequency a round, even a short last one
                    net.getConfiguration().setIterationCount(start + rounds * averagingFrequency);
                }
                long data = minibatches.nanos;
                times.worker(rounds, setup, data, fit, exchanging, exchange.waitingNanos(),
                        JvmTime.since(jvm));
                if (task.partitionId() != 0 || rounds == 0) {
                    return JavaConverters.asScalaIterator(Collections.emptyIterator());
                }
                Averaged result = new Averaged(BulkArray.copyOf(net.params()),
                        BulkArray.copyOf(net.getUpdater().getStateViewArray()), net.score(), rounds);
                if (this.exchange == Exchange.MEMORY) {
                    IN_MEMORY_RESULTS.put(key, result);
                    return JavaConverters.asScalaIterator(Collections.emptyIterator());
                }
                return JavaConverters.asScalaIterator(List.of(result).iterator());
            } finally {
                worker.release(net);
            }
        }
    }

    /**
     * A partition's minibatches, of which the next may be read (decoded) ahead while the worker
     * waits for the others at an exchange: time the slower worker would otherwise make it idle.
     */
    private static final class Minibatches {
        private final Iterator<MultiDataSet> source;
        private MultiDataSet ahead;
        /** The time spent reading so far. */
        long nanos;

        Minibatches(Iterator<MultiDataSet> source) {
            this.source = source;
        }

        /** The next minibatch, or null after the last. */
        MultiDataSet next() {
            if (ahead == null) {
                readAhead();
            }
            MultiDataSet next = ahead;
            ahead = null;
            return next;
        }

        void readAhead() {
            if (ahead != null) {
                return;
            }
            long t0 = System.nanoTime();
            if (source.hasNext()) {  // the loader reads and decodes here
                ahead = source.next();
            }
            nanos += System.nanoTime() - t0;
        }
    }
}
