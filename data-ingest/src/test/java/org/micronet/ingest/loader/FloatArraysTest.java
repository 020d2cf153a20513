package org.micronet.ingest.loader;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FloatArraysTest {

    @Test
    void holdsTheFirstValuesInCOrder() {
        float[] values = new float[2 * 3 * 5 + 7];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f - 3;
        }
        INDArray a = FloatArrays.of(values, 2, 3, 5);
        assertEquals(DataType.FLOAT, a.dataType());
        assertArrayEquals(new long[]{2, 3, 5}, a.shape());
        assertEquals('c', a.ordering());
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int w = 0; w < 5; w++) {
                    assertEquals(values[(n * 3 + c) * 5 + w], a.getFloat(n, c, w), 0, n + "," + c + "," + w);
                }
            }
        }
    }

    @Test
    void refusesTooFewValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FloatArrays.of(new float[5], 2, 3));
        assertEquals("5 values for shape [2, 3]", e.getMessage());
    }
}
