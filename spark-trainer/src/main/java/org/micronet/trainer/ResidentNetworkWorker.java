package org.micronet.trainer;

import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.core.storage.StatsStorageRouterProvider;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Collection;

/**
 * A parameter-averaging worker that keeps its network on the executor between rounds. DL4J's
 * worker rebuilds the whole network from its configuration for every round, a cost that dwarfs
 * a small model's minibatch; this one takes a network built once per executor and configuration
 * ({@link ExecutorNetworks}) and copies in what a round must carry: the parameters and updater
 * state from the driver's broadcast, and the driver's iteration and epoch counts (which DL4J
 * 1.0.0-M2's rebuild dropped: the learning-rate schedule and dropout seeds are keyed on them).
 * The configuration travels once, as its own broadcast, not with every round.
 */
final class ResidentNetworkWorker extends ParameterAveragingTrainingWorker {
    private final Broadcast<NetBroadcastTuple> round;
    private final Broadcast<String> configuration;
    private final String networkKey;
    private final RoundTimes times;
    private final int threads;
    private transient long started;
    private transient long fitting;
    private transient JvmTime jvm;
    private final int iteration;
    private final int epoch;

    /**
     * {@code networkKey} names the configuration's networks in {@link ExecutorNetworks};
     * {@code threads}: the cores its fit may use.
     */
    ResidentNetworkWorker(Broadcast<NetBroadcastTuple> round, Broadcast<String> configuration, String networkKey,
                          RoundTimes times, int threads, boolean saveUpdater,
                          WorkerConfiguration worker, Collection<TrainingHook> hooks,
                          Collection<TrainingListener> listeners, StatsStorageRouterProvider routerProvider,
                          int iteration, int epoch) {
        super(round, saveUpdater, worker, hooks, listeners, routerProvider);
        this.round = round;
        this.configuration = configuration;
        this.networkKey = networkKey;
        this.times = times;
        this.threads = threads;
        this.iteration = iteration;
        this.epoch = epoch;
    }

    @Override
    public ResidentNetwork getInitialModelGraph() {
        started = System.nanoTime();
        jvm = JvmTime.now();
        fitting = 0;
        WorkerThreads.apply(threads);
        NetBroadcastTuple state = round.getValue();
        ResidentNetwork net = ExecutorNetworks.take(networkKey,
                () -> ResidentNetwork.of(ComputationGraphConfiguration.fromJson(configuration.getValue())));
        net.setParams(state.getParameters());
        if (state.getUpdaterState() != null) {
            net.getUpdater().getStateViewArray().assign(state.getUpdaterState());
        }
        net.getConfiguration().setIterationCount(iteration);
        net.getConfiguration().setEpochCount(epoch);
        fitting = System.nanoTime();
        return net;
    }

    @Override
    public ParameterAveragingTrainingResult processMinibatch(MultiDataSet dataSet, ComputationGraph graph, boolean isLast) {
        ParameterAveragingTrainingResult result = super.processMinibatch(dataSet, graph, isLast);
        if (isLast && times != null) {
            long end = System.nanoTime();
            times.worker(1, fitting - started, 0, end - fitting, 0, 0, JvmTime.since(jvm));
        }
        return result;
    }

    /**
     * The round's result as copies, so the network can go back to the executor's pool for the
     * next round, that travel to the driver in bulk ({@link BulkArray}).
     */
    @Override
    public ParameterAveragingTrainingResult getFinalResult(ComputationGraph network) {
        ParameterAveragingTrainingResult result = super.getFinalResult(network);
        ParameterAveragingTrainingResult copy = new ParameterAveragingTrainingResult(
                BulkArray.copyOf(result.getParameters()), BulkArray.copyOf(result.getUpdaterState()),
                result.getScore(), result.getListenerMetaData(),
                result.getListenerStaticInfo(), result.getListenerUpdates());
        release((ResidentNetwork) network);  // DL4J hands back what getInitialModelGraph gave
        return copy;
    }

    /** Gives the network back to the executor's pool: the task is done with it. */
    void release(ResidentNetwork network) {
        ExecutorNetworks.give(networkKey, network);
    }
}
