package org.micronet.trainer;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Random;
import java.util.UUID;

/**
 * DL4J's parameter-averaging master with two repairs that synchronous SGD needs:
 * <ul>
 * <li>its workers keep their networks between rounds and train at the driver's iteration and
 * epoch ({@link ResidentNetworkWorker}), so a round costs what synchronous SGD must move, and the
 * learning-rate schedule and everything else keyed on the count reach them;</li>
 * <li>each fit's data is split into averaging rounds by position, the same in every run of a
 * config, a resumed one included: with barrier averaging, all rounds of a fit (a chunk) run in one
 * Spark barrier stage whose workers average among themselves ({@link BarrierRounds}); with driver
 * averaging, one job per round from a chunk cached once, deserialized ({@link RoundSplit}), rather
 * than picked at random out of a serialized cache round after round;</li>
 * <li>with the {@code export} approach, which keeps DL4J's random split, that split is drawn from
 * a seed given before the fit rather than from one generator for the master's lifetime.</li>
 * </ul>
 */
final class SynchronizedTrainingMaster extends ParameterAveragingTrainingMaster {
    private ComputationGraphConfiguration configurationSent;
    private Broadcast<String> configuration;
    private String networkKey;
    private RoundTimes times;
    private final boolean barrier;
    private final int threadsPerWorker;

    /**
     * {@code barrier}: all rounds of a fit in one barrier stage, else a job per round;
     * {@code threadsPerWorker}: the cores each worker's fit may use ({@link WorkerThreads}).
     */
    SynchronizedTrainingMaster(Builder builder, boolean barrier, int threadsPerWorker) {
        super(builder);
        this.barrier = barrier;
        this.threadsPerWorker = threadsPerWorker;
    }

    /** Where the rounds' time went since the last call. */
    RoundTimes.PerRound takeRoundTimes() {
        return times == null ? RoundTimes.PerRound.NONE : times.take();
    }

    void reseed(long seed) {
        rng = new Random(seed);
    }

    @Override
    protected void executeTrainingDirect(SparkComputationGraph graph, JavaRDD<MultiDataSet> trainingData) {
        if (times == null) {
            times = new RoundTimes(graph.getSparkContext());
        }
        if (barrier) {
            BarrierRounds.fit(graph, trainingData, (ResidentNetworkWorker) getWorkerInstance(graph), averagingFrequency,
                    times);
            return;
        }
        try (RoundSplit split = new RoundSplit(trainingData, averagingFrequency)) {
            for (int r = 0; r < split.rounds(); r++) {
                long t0 = System.nanoTime();
                doIteration(graph, split.round(r), r + 1, split.rounds());
                times.rounds(1, System.nanoTime() - t0);
            }
        }
    }

    /**
     * As DL4J's, called on the driver once per averaging round (once per fit with barrier
     * averaging), but broadcasting the configuration
     * only when it is new, and with a worker that keeps its network ({@link ResidentNetworkWorker}).
     */
    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        ComputationGraph net = graph.getNetwork();
        if (net.getConfiguration() != configurationSent) {
            configurationSent = net.getConfiguration();
            configuration = graph.getSparkContext().broadcast(configurationSent.toJson());
            networkKey = UUID.randomUUID().toString();
        }
        long t0 = System.nanoTime();
        NetBroadcastTuple state = new NetBroadcastTuple(null, null, BulkArray.copyOf(net.params()),
                BulkArray.copyOf(net.getUpdater().getStateViewArray()));
        Broadcast<NetBroadcastTuple> round = graph.getSparkContext().broadcast(state);
        if (times != null) {  // null with the export approach, which keeps DL4J's loop
            times.broadcast(System.nanoTime() - t0);
        }
        // DL4J's per-worker statistics start in its network rebuild, which this worker skips
        WorkerConfiguration worker = new WorkerConfiguration(true, rddDataSetNumExamples, batchSizePerWorker,
                averagingFrequency, prefetchNumBatches, false);
        return new ResidentNetworkWorker(round, configuration, networkKey, times, threadsPerWorker, saveUpdater, worker,
                trainingHookList, listeners,
                getRouterProvider(), net.getConfiguration().getIterationCount(), net.getConfiguration().getEpochCount());
    }
}
