package org.micronet.bench;

import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What this machine gives, measured in the same run as the layers it is set against: a float
 * GEMM's FLOP/s (compute-bound layers) and a memory copy's bytes/s (memory-bound layers), each on
 * the benchmark's thread count, and the GEMM on one thread too: a cloud machine's CPUs may be
 * hyperthreads of fewer cores, and then more threads add no vector throughput (the 2-CPU machine
 * of 2026-12-03: 245-298 GFLOP/s on one thread, 287-294 on two, and two one-thread processes at
 * once 136-157 each).
 */
record MachinePeak(double gemmFlops, double gemmFlopsOneThread, double copyBytesPerSecond, int threads) {
    /** Square float GEMM: 3 x 4 MiB operands, 2.1 GFLOP a call, big enough for OpenBLAS's blocking to reach its peak. */
    static final int GEMM_SIZE = 1024;
    /** 64 MiB a thread, source and destination each: far past the last-level cache, so the copy streams from memory. */
    static final int COPY_FLOATS = 16 << 20;

    static MachinePeak measure(int threads) throws InterruptedException, ExecutionException {
        double gemm = measuredGemmFlops();
        double oneThread = gemm;
        if (threads > 1) {
            nd4jThreads(1);
            oneThread = measuredGemmFlops();
            nd4jThreads(threads);
        }
        return new MachinePeak(gemm, oneThread, copyBytesPerSecond(threads), threads);
    }

    private static double measuredGemmFlops() {
        return 2 * GemmReference.maddsPerSecond(GEMM_SIZE, GEMM_SIZE, GEMM_SIZE, 5);
    }

    private static void nd4jThreads(int threads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }

    /** Bytes read plus bytes written per second by {@code threads} threads each copying its own float[] with System.arraycopy. */
    private static double copyBytesPerSecond(int threads) throws InterruptedException, ExecutionException {
        List<float[][]> buffers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            float[] src = new float[COPY_FLOATS];
            Arrays.fill(src, 1f);
            buffers.add(new float[][]{src, new float[COPY_FLOATS]});
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            double seconds = Timing.medianSeconds(2, 7, () -> {
                List<Future<?>> done = new ArrayList<>();
                for (float[][] b : buffers) {
                    done.add(pool.submit(() -> System.arraycopy(b[0], 0, b[1], 0, COPY_FLOATS)));
                }
                try {
                    for (Future<?> f : done) {
                        f.get();
                    }
                } catch (InterruptedException | ExecutionException e) {
                    throw new IllegalStateException(e);
                }
            });
            return 2.0 * Float.BYTES * COPY_FLOATS * threads / seconds;
        } finally {
            pool.shutdownNow();
        }
    }

    String describe() {
        String oneThread = threads == 1 ? "" : String.format(" (on one thread %.1f: %.2fx from %d threads)",
                gemmFlopsOneThread / 1e9, gemmFlops / gemmFlopsOneThread, threads);
        return String.format("float GEMM %dx%dx%d (ND4J, median of 5 after 2): %.1f GFLOP/s%s; memory copy (System.arraycopy"
                        + " of a %d MiB float[] a thread, bytes read + written, median of 7 after 2): %.1f GB/s; both on"
                        + " %d thread(s), measured at the start of this run",
                GEMM_SIZE, GEMM_SIZE, GEMM_SIZE, gemmFlops / 1e9, oneThread, COPY_FLOATS * Float.BYTES >> 20,
                copyBytesPerSecond / 1e9, threads);
    }
}
