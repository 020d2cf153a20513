package org.micronet.kernels;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Runs independent slices of a kernel (images of a batch, channel groups) as a parallel
 * stream (the caller plus the common fork-join pool). {@code -Dmicronet.kernels.threads=1}
 * (or a single CPU) keeps them on the calling thread, for latency measured on one core.
 * The property is read once, when a kernel first runs; {@link #limitThreads} does the same at
 * run time, for callers that run several kernels at once (one per core).
 */
public final class Parallel {
    public static final String THREADS_PROPERTY = "micronet.kernels.threads";
    private static final boolean SERIAL_ALWAYS = "1".equals(System.getProperty(THREADS_PROPERTY))
            || Runtime.getRuntime().availableProcessors() < 2;
    private static volatile boolean serial = SERIAL_ALWAYS;

    private Parallel() {
    }

    /** With {@code threads} 1, every later call stays on its calling thread; more lets it spread again. */
    public static void limitThreads(int threads) {
        serial = SERIAL_ALWAYS || threads < 2;
    }

    /** Calls {@code body} for 0 .. count-1; the calls must write disjoint data. */
    public static void forEach(int count, IntConsumer body) {
        if (serial || count < 2) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
        } else {
            IntStream.range(0, count).parallel().forEach(body);
        }
    }
}
