package org.micronet.trainer;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * The time this JVM has spent paused in garbage collections. A worker paused by its JVM's
 * collector arrives late at the next exchange, where every other worker waits for it; executors
 * collect independently, so on a cluster each waits out the others' pauses as well as its own.
 */
final class CollectionPauses {
    private CollectionPauses() {
    }

    /**
     * Nanoseconds paused since the JVM started, at the collectors' millisecond resolution. The
     * beans of concurrent work (G1's "G1 Concurrent GC", ZGC's and Shenandoah's "Cycles") are
     * left out: they count time the application ran beside the collector.
     */
    static long nanos() {
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            String name = gc.getName();
            if (!name.contains("Concurrent") && !name.contains("Cycles")) {
                millis += Math.max(0, gc.getCollectionTime());
            }
        }
        return millis * 1_000_000;
    }
}
