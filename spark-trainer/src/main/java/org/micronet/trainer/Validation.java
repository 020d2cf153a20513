package org.micronet.trainer;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

/**
 * Evaluation of a network on Spark, as training does it after every epoch and {@code evaluate}
 * does it for an export: one code path, so that the two agree to the last image.
 */
public final class Validation {
    public static final int TOP_N = 5;

    /**
     * @param evaluation top-1, top-5 and the confusion matrix
     * @param loss       mean loss per image without the L2 weight-decay term
     * @param l2Penalty  that term
     */
    public record Result(Evaluation evaluation, double loss, double l2Penalty) {
        public double top1() {
            return evaluation.accuracy();
        }

        public double top5() {
            return evaluation.topNAccuracy();
        }
    }

    private Validation() {
    }

    /** @param classIds labels of the network's outputs, in order */
    public static Result run(JavaSparkContext sc, ComputationGraph net, TrainingMaster<?, ?> master,
                             JavaRDD<DataSet> data, int batchSize, List<String> classIds) {
        // DL4J broadcasts the parameter array itself for evaluation, and Spark 3 closes broadcast
        // values that are AutoCloseable when it drops them: in local mode that would free the
        // live network's memory. A copy takes the hit instead.
        SparkComputationGraph evaluator = new SparkComputationGraph(sc, net.clone(), master);
        Evaluation ev = evaluator.doEvaluation(data, batchSize, new Evaluation(classIds, TOP_N))[0];
        // DL4J's score includes the L2 penalty; the losses are reported without it, the penalty beside them
        double penalty = net.calcRegularizationScore(true);
        double loss = evaluator.calculateScore(data, true) - penalty;
        return new Result(ev, loss, penalty);
    }
}
