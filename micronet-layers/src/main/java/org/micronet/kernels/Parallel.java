package org.micronet.kernels;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Runs independent slices of a kernel (images of a batch, channel groups) as a parallel
 * stream (the caller plus the common fork-join pool). {@code -Dmicronet.kernels.threads=1}
 * (or a single CPU) keeps them on the calling thread, for latency measured on one core.
 * The property is read once, when a kernel first runs.
 */
public final class Parallel {
    public static final String THREADS_PROPERTY = "micronet.kernels.threads";
    private static final boolean SERIAL = "1".equals(System.getProperty(THREADS_PROPERTY))
            || Runtime.getRuntime().availableProcessors() < 2;

    private Parallel() {
    }

    /** Calls {@code body} for 0 .. count-1; the calls must write disjoint data. */
    public static void forEach(int count, IntConsumer body) {
        if (SERIAL || count < 2) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
        } else {
            IntStream.range(0, count).parallel().forEach(body);
        }
    }
}
