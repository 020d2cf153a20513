package org.micronet.trainer;

import org.apache.spark.api.java.function.Function;
import org.nd4j.linalg.dataset.DataSet;

/** Label smoothing: one-hot y becomes (1 - eps) * y + eps / K. */
final class LabelSmoothing implements Function<DataSet, DataSet> {
    private final double epsilon;

    LabelSmoothing(double epsilon) {
        this.epsilon = epsilon;
    }

    @Override
    public DataSet call(DataSet ds) {
        long k = ds.getLabels().size(1);
        return new DataSet(ds.getFeatures(), ds.getLabels().mul(1 - epsilon).addi(epsilon / k));
    }
}
