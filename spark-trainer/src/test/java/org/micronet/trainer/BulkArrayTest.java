package org.micronet.trainer;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What a round's parameters and updater state become after crossing Spark in bulk. */
class BulkArrayTest {

    @Test
    void javaSerializationKeepsTypeShapeAndEveryValue() throws Exception {
        Nd4j.getRandom().setSeed(1);
        INDArray params = Nd4j.rand(DataType.FLOAT, 1, 1001);
        INDArray view = Nd4j.rand(DataType.DOUBLE, 6, 7).get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 5), org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 6));
        for (INDArray a : new INDArray[]{params, view, Nd4j.create(DataType.FLOAT, 0)}) {
            INDArray back = roundTrip(BulkArray.copyOf(a));
            assertEquals(a.dataType(), back.dataType());
            assertArrayEquals(a.shape(), back.shape());
            assertEquals(a, back);
        }
        assertNull(BulkArray.copyOf(null));
    }

    /** The shuffle behind a barrier stage reads a worker's result and its task writes it again, to the driver. */
    @Test
    void anArrayReadBackIsWrittenInBulkAgain() throws Exception {
        INDArray a = BulkArray.copyOf(Nd4j.rand(DataType.FLOAT, 1, 1001));
        INDArray back = roundTrip(a);
        assertEquals(serialized(a).length, serialized(back).length);
        assertEquals(a, roundTrip(back));
    }

    @Test
    void theCopyDoesNotFollowTheOriginal() {
        INDArray a = Nd4j.ones(DataType.FLOAT, 3);
        INDArray copy = BulkArray.copyOf(a);
        a.addi(1);
        assertEquals(Nd4j.ones(DataType.FLOAT, 3), copy);
    }

    private static byte[] serialized(INDArray a) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(a);
        }
        return bytes.toByteArray();
    }

    private static INDArray roundTrip(INDArray a) throws Exception {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(serialized(a)))) {
            return (INDArray) in.readObject();
        }
    }
}
