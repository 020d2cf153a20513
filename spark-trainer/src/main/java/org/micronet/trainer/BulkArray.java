package org.micronet.trainer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.cpu.nativecpu.NDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serial;
import java.io.Serializable;
import java.nio.ByteOrder;

/**
 * An ND4J array that Java serialization writes as one block of bytes. ND4J's own serialization
 * goes a float at a time through a DataOutputStream; the parameters and updater state cross
 * Spark three times every averaging round (the driver's broadcast, each worker's result, the
 * driver's read of it), which a profile of M0 on local[2] put at about half of the round's
 * Spark time. Only the arrays wrapped here take this path; Spark's serializer stays the
 * default, since Kryo 4 cannot read records and immutable collections found elsewhere.
 */
final class BulkArray extends NDArray {
    @Serial
    private static final long serialVersionUID = 1L;

    private BulkArray(INDArray contiguous) {
        super(contiguous.data(), contiguous.shape(), contiguous.stride(), 0, contiguous.ordering(),
                contiguous.dataType());
    }

    /** A c-order copy of {@code a} that serializes in bulk; null stays null. */
    static INDArray copyOf(INDArray a) {
        return a == null ? null : new BulkArray(a.dup('c'));
    }

    @Serial
    private Object writeReplace() {
        byte[] bytes = new byte[Math.toIntExact(length() * dataType().width())];
        if (bytes.length > 0) {
            data().asNio().get(bytes);
        }
        return new Payload(dataType().name(), ByteOrder.nativeOrder().toString(), shape(), bytes);
    }

    private record Payload(String dataType, String byteOrder, long[] shape, byte[] bytes) implements Serializable {
        @Serial
        private Object readResolve() {
            if (!byteOrder.equals(ByteOrder.nativeOrder().toString())) {
                throw new IllegalStateException("an array written on a " + byteOrder + " machine was read on a "
                        + ByteOrder.nativeOrder() + " one: driver and executors must share one CPU architecture");
            }
            DataType type = DataType.valueOf(dataType);
            if (bytes.length == 0) {
                return new BulkArray(Nd4j.create(type, shape));
            }
            INDArray a = Nd4j.createUninitialized(type, shape, 'c');
            a.data().asNio().put(bytes);
            // still a BulkArray: a task that passes on what it read (the shuffle behind a barrier
            // stage) writes it in bulk again
            return new BulkArray(a);
        }
    }
}
