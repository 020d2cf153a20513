package org.micronet.trainer;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.DoubleAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Adds up, on the workers, the loss of every minibatch they fit, without the L2 penalty that DL4J
 * folds into its score, so that an epoch reports the mean over all its minibatches of all workers
 * rather than the last round's. The sums reach the driver through a Spark accumulator (a task
 * that Spark retries adds its minibatches again).
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

    private final DoubleAccumulator losses;
    private transient double penalty;

    TrainingLoss(JavaSparkContext sc) {
        losses = sc.sc().doubleAccumulator("training loss");
    }

    /** The minibatches fitted since the last call; the next call counts from here. */
    Tally take() {
        Tally t = new Tally(losses.sum(), losses.count());
        losses.reset();
        return t;
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        // the penalty of the parameters the minibatch's score is computed with
        penalty = ((ComputationGraph) model).calcRegularizationScore(true);
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        losses.add(model.score() - penalty);
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
