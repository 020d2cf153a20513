package org.micronet.trainer;

import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;

import java.util.Random;

/**
 * DL4J's parameter-averaging master with two repairs that synchronous SGD needs:
 * <ul>
 * <li>its workers train at the driver's iteration and epoch ({@link DriverIterationWorker}), so
 * the learning-rate schedule and everything else keyed on the count reach them;</li>
 * <li>its random split of each fit's data into averaging rounds is drawn from a seed given before
 * the fit rather than from one generator for its lifetime: the rounds of a chunk are then the
 * same in every run of a config, a resumed one included.</li>
 * </ul>
 */
final class SynchronizedTrainingMaster extends ParameterAveragingTrainingMaster {
    SynchronizedTrainingMaster(Builder builder) {
        super(builder);
    }

    void reseed(long seed) {
        rng = new Random(seed);
    }

    /** As DL4J's, called on the driver once per averaging round, but with a worker that keeps the count. */
    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        ComputationGraph net = graph.getNetwork();
        NetBroadcastTuple tuple = new NetBroadcastTuple(net.getConfiguration(), net.params(),
                net.getUpdater().getStateViewArray());
        if (collectTrainingStats) {
            stats.logBroadcastStart();
        }
        Broadcast<NetBroadcastTuple> broadcast = graph.getSparkContext().broadcast(tuple);
        if (collectTrainingStats) {
            stats.logBroadcastEnd();
        }
        WorkerConfiguration configuration = new WorkerConfiguration(true, rddDataSetNumExamples, batchSizePerWorker,
                averagingFrequency, prefetchNumBatches, collectTrainingStats);
        return new DriverIterationWorker(broadcast, saveUpdater, configuration, trainingHookList, listeners,
                getRouterProvider(), net.getConfiguration().getIterationCount(), net.getConfiguration().getEpochCount());
    }
}
