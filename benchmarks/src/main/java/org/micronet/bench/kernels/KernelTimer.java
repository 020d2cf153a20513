package org.micronet.bench.kernels;

import org.micronet.bench.Timing;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.Parallel;

import java.lang.management.ManagementFactory;

/**
 * Shared by the kernel benchmarks, one table row per shape: median ms of the old path ("ref":
 * double reference with its float-double conversions), of the new one ("f32": float kernel with
 * its bulk copies) and of the kernel alone; speedup = ref / f32; the kernel's GB/s over the bytes
 * it must move; the kernel's bytes allocated per call (the current thread's, so run with
 * {@code -Dmicronet.kernels.threads=1}).
 */
final class KernelTimer {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private KernelTimer() {
    }

    static void header(String op) {
        if (!KernelProvider.simd()) {
            throw new IllegalStateException("run with --add-modules=jdk.incubator.vector: the SIMD kernels are off");
        }
        System.out.printf("%s, threads=%s (-D%s)%n", op, System.getProperty(Parallel.THREADS_PROPERTY, "all"),
                Parallel.THREADS_PROPERTY);
        System.out.printf("%-28s %10s %10s %10s %8s %9s %8s%n",
                "shape", "ref ms", "f32 ms", "kernel ms", "speedup", "GB/s", "B/call");
    }

    /** One row: {@code bytes} is what the kernel must read and write once. */
    static void row(String shape, double bytes, Runnable ref, Runnable f32Path, Runnable kernel) {
        double tRef = time(ref);
        double tPath = time(f32Path);
        double tKernel = time(kernel);
        System.out.printf("%-28s %10.3f %10.3f %10.3f %7.1fx %9.1f %8d%n", shape, tRef * 1e3, tPath * 1e3,
                tKernel * 1e3, tRef / tPath, bytes / tKernel / 1e9, allocatedPerCall(kernel, 10));
    }

    /** Bytes the current thread allocates per call, averaged over {@code calls} calls. */
    static long allocatedPerCall(Runnable action, int calls) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < calls; i++) {
            action.run();
        }
        return (THREADS.getCurrentThreadAllocatedBytes() - before) / calls;
    }

    /**
     * Median seconds per call, after half a second of calls so that C2 has compiled the Vector API
     * code, and a collection so that the garbage of the action timed before is not charged here.
     */
    private static double time(Runnable action) {
        System.gc();
        long start = System.nanoTime();
        while (System.nanoTime() - start < 500_000_000L) {
            action.run();
        }
        return Timing.medianSeconds(0, 51, action);
    }
}
