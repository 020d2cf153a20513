package org.micronet.trainer;

import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Supplier;

/**
 * The networks resident in this JVM (an executor, or the driver in local mode), by a key the
 * driver gives their configuration (unique in the JVM: broadcast ids restart with each Spark
 * context): one per task that trains at the same time, reused round after round. A new
 * configuration (the next run in this JVM) drops the networks of the previous ones.
 */
final class ExecutorNetworks {
    private static final Map<String, Deque<ResidentNetwork>> IDLE = new ConcurrentHashMap<>();

    private ExecutorNetworks() {
    }

    /** An idle network of configuration {@code key}, or a new one from {@code build}. */
    static ResidentNetwork take(String key, Supplier<ResidentNetwork> build) {
        if (!IDLE.containsKey(key)) {
            IDLE.keySet().removeIf(k -> !k.equals(key));
        }
        ResidentNetwork net = IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).pollFirst();
        return net != null ? net : build.get();
    }

    /** Returns a network whose round is over. */
    static void give(String key, ResidentNetwork net) {
        Deque<ResidentNetwork> idle = IDLE.get(key);
        if (idle != null) {
            idle.addFirst(net);
        }
    }
}
