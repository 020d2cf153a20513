package org.micronet.ingest.loader;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Java floats into a new ND4J array in one copy. {@code Nd4j.create(float[], shape, order)}
 * copies them one {@code put} at a time: a profile of training on local[2] had it at a third of
 * the time spent reading minibatches.
 */
public final class FloatArrays {
    private FloatArrays() {
    }

    /** A new c-order FLOAT array of {@code shape} holding the first values of {@code values}. */
    public static INDArray of(float[] values, long... shape) {
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        int n = Math.toIntExact(a.length());
        if (n > values.length) {
            throw new IllegalArgumentException(values.length + " values for shape " + java.util.Arrays.toString(shape));
        }
        if (n > 0) {
            new FloatPointer(a.data().addressPointer()).put(values, 0, n);
        }
        return a;
    }
}
