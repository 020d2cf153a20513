package org.micronet.trainer;

import org.apache.spark.BarrierTaskContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The exchange through Spark's own channels, for workers in different JVMs where Spark's network
 * encryption must cover it or only Spark's ports are open: each worker stores its parameters, updater
 * state and last score as one block in its executor ({@link BlockMessages}), Spark's
 * {@code BarrierTaskContext.allGather} ({@link PromptAllGather}) tells every worker where the
 * others' are, and each fetches and sums them into a buffer before setting its network to the
 * average.
 */
final class GatheredExchange implements ParameterExchange {
    private final PromptAllGather workers;
    private final BlockMessages blocks = new BlockMessages();
    private final long params;
    private final INDArray sum;
    private final INDArray received;
    private final byte[] bytes;
    private long waiting;

    /** For {@code task}'s worker, which trains networks of {@code net}'s configuration. */
    GatheredExchange(BarrierTaskContext task, ComputationGraph net) {
        workers = new PromptAllGather(task);
        params = net.params().length();
        INDArray state = net.getUpdater().getStateViewArray();
        long length = params + (state == null ? 0 : state.length());
        sum = Nd4j.createUninitialized(net.params().dataType(), length);
        received = sum.ulike();
        bytes = new byte[Math.toIntExact(length * sum.dataType().width() + Double.BYTES)];
    }

    /** {@code meanwhile} runs after the exchange: allGather blocks from arrival to answer. */
    @Override
    public int average(ComputationGraph net, boolean fitted, Runnable meanwhile) {
        int count = average(net, fitted);
        meanwhile.run();
        return count;
    }

    private int average(ComputationGraph net, boolean fitted) {
        String message = fitted ? put(net) : "";  // a worker without a minibatch sends an empty one
        long w0 = System.nanoTime();
        String[] messages = workers.allGather(message);
        waiting += System.nanoTime() - w0;
        blocks.exchanged();
        int count = 0;
        double scores = 0;
        int arrayBytes = bytes.length - Double.BYTES;
        for (String m : messages) {
            if (m.isEmpty()) {
                continue;
            }
            int length = blocks.fetch(m, bytes);
            if (length != bytes.length) {
                throw new IllegalStateException("a worker sent " + length + " bytes of parameters, expected "
                        + bytes.length + ": the workers of a barrier stage run different networks");
            }
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

    /** Stores {@code net}'s state as a block and returns the reference to send. */
    private String put(ComputationGraph net) {
        sum.get(NDArrayIndex.interval(0, params)).assign(net.params());
        INDArray state = net.getUpdater().getStateViewArray();
        if (state != null) {
            sum.get(NDArrayIndex.interval(params, sum.length())).assign(state);
        }
        int arrayBytes = bytes.length - Double.BYTES;
        sum.data().asNio().get(bytes, 0, arrayBytes);
        ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).putDouble(arrayBytes, net.score());
        return blocks.put(bytes, bytes.length);
    }

    @Override
    public long waitingNanos() {
        return waiting;
    }

    /** Drops this worker's blocks; every worker must have passed the last exchange. */
    @Override
    public void close() {
        workers.close();
        blocks.close();
    }
}
