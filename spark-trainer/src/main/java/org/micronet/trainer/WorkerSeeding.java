package org.micronet.trainer;

import org.apache.spark.TaskContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Objects;

/**
 * Seeds a worker's random generator (dropout draws from it) before each minibatch from the run's
 * seed, the iteration and the worker's partition. DL4J leaves it to whatever the executor thread
 * drew before, so a resumed run would drop other units than an uninterrupted one.
 */
final class WorkerSeeding implements TrainingHook {
    private final long seed;

    WorkerSeeding(long seed) {
        this.seed = seed;
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        TaskContext task = TaskContext.get();
        Nd4j.getRandom().setSeed(Objects.hash(seed, ((ComputationGraph) model).getConfiguration().getIterationCount(),
                task == null ? 0 : task.partitionId()));
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        throw new UnsupportedOperationException("the trainer fits computation graphs, on MultiDataSets");
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }
}
