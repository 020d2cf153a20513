package org.micronet.trainer;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Adds up, on the workers, the loss of every minibatch they fit, without the L2 penalty that DL4J
 * folds into its score, so that an epoch reports the mean over all its minibatches of all workers
 * rather than the last round's. The losses reach the driver through a Spark accumulator, which
 * adds them up in a fixed order: tasks finish in any order, and a sum in their order would differ
 * in its last digits from run to run. A minibatch is known by its iteration and partition, and
 * counts once: Spark merges the accumulator updates of every successful task, so when it re-runs
 * a stage whose finished output was lost with an executor (a barrier chunk behind its shuffle),
 * the re-run's minibatches arrive a second time, with the same iterations.
 */
final class TrainingLoss implements TrainingHook {
    /** A sum of minibatch losses and how many there were. */
    record Tally(double sum, long count) {
        static final Tally NONE = new Tally(0, 0);

        Tally plus(Tally other) {
            return new Tally(sum + other.sum, count + other.count);
        }

        double mean() {
            return sum / count;
        }
    }

    /** One minibatch's loss, where it was fitted. */
    private record Loss(long iteration, int partition, double value) implements Serializable {
    }

    private static final Comparator<Loss> ORDER = Comparator.comparingLong(Loss::iteration)
            .thenComparingInt(Loss::partition);

    private final CollectionAccumulator<Loss> losses;
    private transient double penalty;

    TrainingLoss(JavaSparkContext sc) {
        losses = sc.sc().collectionAccumulator("training loss");
    }

    /** The minibatches fitted since the last call; the next call counts from here. */
    Tally take() {
        List<Loss> all = new ArrayList<>(losses.value());
        losses.reset();
        all.sort(ORDER);
        double sum = 0;
        long count = 0;
        Loss previous = null;
        for (Loss l : all) {
            // a re-run fits the same minibatch from the same parameters: one of the copies counts
            if (previous == null || ORDER.compare(previous, l) != 0) {
                sum += l.value();
                count++;
            }
            previous = l;
        }
        return new Tally(sum, count);
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        // the penalty of the parameters the minibatch's score is computed with
        penalty = ((ComputationGraph) model).calcRegularizationScore(true);
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        TaskContext task = TaskContext.get();
        losses.add(new Loss(((ComputationGraph) model).getConfiguration().getIterationCount(),
                task == null ? -1 : task.partitionId(), model.score() - penalty));
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        throw new UnsupportedOperationException("the trainer fits computation graphs, on MultiDataSets");
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
        throw new UnsupportedOperationException("the trainer fits computation graphs, on MultiDataSets");
    }
}
