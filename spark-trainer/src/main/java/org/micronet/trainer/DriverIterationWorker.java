package org.micronet.trainer;

import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.core.storage.StatsStorageRouterProvider;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;

import java.util.Collection;

/**
 * A parameter-averaging worker whose network starts each round at the driver's iteration and
 * epoch counts. DL4J 1.0.0-M2 rebuilds the worker's network from
 * {@code ComputationGraphConfiguration.clone()}, which drops both counts: every worker would then
 * evaluate the learning-rate schedule (and seed dropout) at iteration 0 in every round.
 */
final class DriverIterationWorker extends ParameterAveragingTrainingWorker {
    private final int iteration;
    private final int epoch;

    DriverIterationWorker(Broadcast<NetBroadcastTuple> broadcast, boolean saveUpdater, WorkerConfiguration configuration,
                          Collection<TrainingHook> hooks, Collection<TrainingListener> listeners,
                          StatsStorageRouterProvider routerProvider, int iteration, int epoch) {
        super(broadcast, saveUpdater, configuration, hooks, listeners, routerProvider);
        this.iteration = iteration;
        this.epoch = epoch;
    }

    @Override
    public ComputationGraph getInitialModelGraph() {
        ComputationGraph net = super.getInitialModelGraph();
        net.getConfiguration().setIterationCount(iteration);
        net.getConfiguration().setEpochCount(epoch);
        return net;
    }
}
