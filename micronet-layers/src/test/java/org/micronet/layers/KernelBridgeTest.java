package org.micronet.layers;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KernelBridgeTest {

    /** [n, c, 1, 1] activations (1x1 planes) are contiguous although ND4J's default-stride check says not. */
    @Test
    void arraysWithUnitDimensionsAreCopiedInPlace() {
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, 2, 3, 1, 1);
        float[] values = {1, 2, 3, 4, 5, 6};
        KernelBridge.assign(a, values);
        assertArrayEquals(values, KernelBridge.read(a, new float[6]));
        assertArrayEquals(new double[]{1, 2, 3, 4, 5, 6}, a.dup().data().asDouble());
    }

    @Test
    void transposedViewsAreNotTakenForContiguous() {
        INDArray t = Nd4j.createFromArray(new float[][]{{1, 2, 3}, {4, 5, 6}}).transpose();
        assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, KernelBridge.read(t, new float[6]));
        assertThrows(IllegalArgumentException.class, () -> KernelBridge.assign(t, new float[6]));
    }
}
