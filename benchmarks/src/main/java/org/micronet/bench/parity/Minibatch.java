package org.micronet.bench.parity;

import org.nd4j.linalg.dataset.DataSet;

import java.io.Serializable;

/**
 * One minibatch of the data loader as plain arrays: which worker's partition it came from, its
 * position there, NCHW float32 features and one-hot labels (the loader's DataSet, copied out so
 * that it crosses Spark and reaches libtorch without ND4J).
 *
 * @param worker  partition of the epoch's training RDD (one per Spark worker), or 0 for validation
 * @param index   position of the minibatch within its partition
 * @param shape   [batch, 3, size, size]
 * @param classes label columns
 */
public record Minibatch(int worker, int index, long[] shape, float[] features, int classes, float[] labels)
        implements Serializable {

    public static Minibatch of(int worker, int index, DataSet ds) {
        return new Minibatch(worker, index, ds.getFeatures().shape(), ds.getFeatures().dup('c').data().asFloat(),
                (int) ds.getLabels().size(1), ds.getLabels().dup('c').data().asFloat());
    }

    public int size() {
        return (int) shape[0];
    }

    /** The class of each example (the position of its one-hot 1). */
    public int[] labelIndices() {
        int[] out = new int[size()];
        for (int i = 0; i < out.length; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (labels[i * classes + c] > labels[i * classes + best]) {
                    best = c;
                }
            }
            out[i] = best;
        }
        return out;
    }
}
