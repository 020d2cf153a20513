package org.micronet.trainer;

import org.apache.spark.SparkEnv;
import org.apache.spark.network.buffer.ManagedBuffer;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.BlockManagerId;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.storage.TempLocalBlockId;
import org.apache.spark.util.io.ChunkedByteBuffer;
import scala.reflect.ClassTag$;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.UUID;

/**
 * Messages of a barrier stage's workers carried by Spark's block managers: a worker stores its
 * bytes as a block in its executor and tells the others only where it is ({@link #put}, a short
 * reference for {@code allGather}); they fetch it straight from that executor's block transfer
 * service ({@link #fetch}), the binary path Spark moves shuffle and broadcast data on. Through
 * {@code allGather} itself, a message goes as a string in Spark's RPC, via the driver, to every
 * worker: 3 MB of M0 state took 400-500 ms a round between two JVMs.
 *
 * <p>A worker's blocks live until the next exchange has returned (by then every worker has
 * fetched them) or until {@link #close}. They are never reported to the driver.
 */
final class BlockMessages implements AutoCloseable {
    private final BlockManager blocks = SparkEnv.get().blockManager();
    private final Deque<BlockId> own = new ArrayDeque<>();

    /** Stores {@code length} bytes of {@code bytes} and returns the reference to send. */
    String put(byte[] bytes, int length) {
        BlockId id = new TempLocalBlockId(UUID.randomUUID());
        ByteBuffer copy = ByteBuffer.allocate(length).put(bytes, 0, length).flip();
        // memory and disk: a block evicted for memory must still be there to fetch
        if (!blocks.putBytes(id, new ChunkedByteBuffer(copy), StorageLevel.MEMORY_AND_DISK_SER(), false,
                ClassTag$.MODULE$.apply(byte[].class))) {
            throw new IllegalStateException("the block manager of executor " + blocks.blockManagerId().executorId()
                    + " refused a " + length + "-byte parameter block");
        }
        own.addLast(id);
        BlockManagerId at = blocks.blockManagerId();
        return String.join(" ", at.executorId(), at.host(), Integer.toString(at.port()), id.name(),
                Integer.toString(length));
    }

    /** The message {@code reference} names, into the start of {@code into}; returns its length. */
    int fetch(String reference, byte[] into) {
        String[] r = reference.split(" ");
        int length = Integer.parseInt(r[4]);
        if (length > into.length) {
            throw new IllegalStateException("a worker sent " + length + " bytes of parameters, expected at most "
                    + into.length + ": the workers of a barrier stage run different networks");
        }
        ManagedBuffer buffer = blocks.blockTransferService().fetchBlockSync(r[1], Integer.parseInt(r[2]), r[0], r[3],
                null);
        try {
            buffer.nioByteBuffer().get(into, 0, length);
        } catch (IOException e) {
            throw new IllegalStateException("could not read parameter block " + r[3] + " of executor " + r[0], e);
        } finally {
            buffer.release();
        }
        return length;
    }

    /** Drops this worker's blocks but the newest: call once an exchange has returned. */
    void exchanged() {
        while (own.size() > 1) {
            blocks.removeBlock(own.removeFirst(), false);
        }
    }

    @Override
    public void close() {
        while (!own.isEmpty()) {
            blocks.removeBlock(own.removeFirst(), false);
        }
    }
}
