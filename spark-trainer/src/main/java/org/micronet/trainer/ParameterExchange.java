package org.micronet.trainer;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * What a worker of a barrier stage tells the others after a round, and their average: its
 * parameters, updater state and last score, behind one string for Spark's
 * {@code BarrierTaskContext.allGather}. In local mode, where allGather hands the strings over in
 * memory, the bytes themselves travel as ISO-8859-1 characters, which Java keeps one byte each: a
 * message costs two copies. Between JVMs the string is a reference to a block holding the bytes
 * ({@link BlockMessages}). Every worker averages the same messages in the same order (by
 * partition) with the same array operations DL4J's driver uses (sum, then divide by the count),
 * so all of them hold identical parameters afterwards, equal to what driver averaging gives.
 */
final class ParameterExchange implements AutoCloseable {
    private final long params;
    private final INDArray sum;
    private final INDArray received;
    private final byte[] bytes;
    /** Null when the messages stay in this JVM (local mode). */
    private final BlockMessages blocks;

    /**
     * For networks of {@code net}'s configuration; {@code inMemory}: the messages stay in this JVM
     * (local mode).
     */
    ParameterExchange(ComputationGraph net, boolean inMemory) {
        blocks = inMemory ? null : new BlockMessages();
        params = net.params().length();
        INDArray state = net.getUpdater().getStateViewArray();
        long length = params + (state == null ? 0 : state.length());
        sum = Nd4j.createUninitialized(net.params().dataType(), length);
        received = sum.ulike();
        bytes = new byte[Math.toIntExact(length * sum.dataType().width() + Double.BYTES)];
    }

    /** {@code net}'s parameters, updater state and score as a message. */
    String message(ComputationGraph net) {
        sum.get(NDArrayIndex.interval(0, params)).assign(net.params());
        INDArray state = net.getUpdater().getStateViewArray();
        if (state != null) {
            sum.get(NDArrayIndex.interval(params, sum.length())).assign(state);
        }
        ByteBuffer out = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        int arrayBytes = bytes.length - Double.BYTES;
        sum.data().asNio().get(bytes, 0, arrayBytes);
        out.putDouble(arrayBytes, net.score());
        return blocks == null ? new String(bytes, StandardCharsets.ISO_8859_1) : blocks.put(bytes, bytes.length);
    }

    /**
     * Sets {@code net} to the average of the non-empty {@code messages} (a worker without a
     * minibatch in the round sends an empty one) and returns how many there were; 0 leaves
     * {@code net} as it is.
     */
    int average(String[] messages, ComputationGraph net) {
        if (blocks != null) {
            blocks.exchanged();
        }
        int count = 0;
        double scores = 0;
        int arrayBytes = bytes.length - Double.BYTES;
        for (String m : messages) {
            if (m.isEmpty()) {
                continue;
            }
            decode(m);
            INDArray into = count == 0 ? sum : received;
            into.data().asNio().put(bytes, 0, arrayBytes);
            if (count > 0) {
                sum.addi(received);
            }
            scores += ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).getDouble(arrayBytes);
            count++;
        }
        if (count == 0) {
            return 0;
        }
        sum.divi(count);
        net.setParams(sum.get(NDArrayIndex.interval(0, params)).reshape(net.params().shape()));
        INDArray state = net.getUpdater().getStateViewArray();
        if (state != null) {
            state.assign(sum.get(NDArrayIndex.interval(params, sum.length())).reshape(state.shape()));
        }
        net.setScore(scores / count);
        return count;
    }

    private void decode(String message) {
        int length = blocks == null ? message.length() : blocks.fetch(message, bytes);
        if (length != bytes.length) {
            throw new IllegalStateException("a worker sent " + length + " bytes of parameters, expected "
                    + bytes.length + ": the workers of a barrier stage run different networks");
        }
        if (blocks == null) {
            message.getBytes(0, length, bytes, 0);  // ISO-8859-1: one byte a character
        }
    }

    /** Drops this worker's blocks; every worker must have passed the last exchange. */
    @Override
    public void close() {
        if (blocks != null) {
            blocks.close();
        }
    }
}
