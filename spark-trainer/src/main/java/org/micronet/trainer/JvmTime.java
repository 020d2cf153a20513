package org.micronet.trainer;

import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * The time this JVM spends on its own work, which competes with a worker's: paused in garbage
 * collections, and compiling (the JIT, on threads of its own). A worker paused by its JVM's
 * collector arrives late at the next exchange, where every other worker waits for it; executors
 * collect independently, so on a cluster each waits out the others' pauses as well as its own.
 * The JIT takes cores from the workers until it has compiled what they run: an executor runs
 * Spark's, the loader's and the exchange's code beside the network's, and compiles all of it for
 * itself, so it warms up for minutes where a single JVM fitting alone does in seconds.
 *
 * @param pausedNanos    paused in collections, at the collectors' millisecond resolution. The
 *                       beans of concurrent work (G1's "G1 Concurrent GC", ZGC's and Shenandoah's
 *                       "Cycles") are left out: they count time the application ran beside the collector
 * @param compilingNanos the JIT's compile time, summed over its threads, at millisecond resolution
 *                       (0 where the JVM does not count it)
 */
record JvmTime(long pausedNanos, long compilingNanos) {
    /** Since the JVM started. */
    static JvmTime now() {
        long paused = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            String name = gc.getName();
            if (!name.contains("Concurrent") && !name.contains("Cycles")) {
                paused += Math.max(0, gc.getCollectionTime());
            }
        }
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long compiling = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
        return new JvmTime(paused * 1_000_000, compiling * 1_000_000);
    }

    /** What this JVM spent from {@code start} to now. */
    static JvmTime since(JvmTime start) {
        JvmTime now = now();
        return new JvmTime(now.pausedNanos - start.pausedNanos, now.compilingNanos - start.compilingNanos);
    }
}
