package org.micronet.trainer;

import org.apache.spark.TaskContext;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link CosineSchedule} that records, for every iteration at which an updater asked it for the
 * learning rate, the rate it gave and the Spark partitions that asked. The updater asks when it
 * applies a step, so this is what workers actually applied. Records live in this JVM: local mode.
 */
final class RecordingSchedule implements ISchedule {
    private static final Map<Integer, Double> LR = new ConcurrentHashMap<>();
    private static final Map<Integer, Set<Integer>> PARTITIONS = new ConcurrentHashMap<>();

    private final CosineSchedule schedule;

    RecordingSchedule(@JsonProperty("schedule") CosineSchedule schedule) {
        this.schedule = schedule;
    }

    @JsonProperty("schedule")
    public CosineSchedule getSchedule() {
        return schedule;
    }

    static void clear() {
        LR.clear();
        PARTITIONS.clear();
    }

    /** Iteration -> the learning rate applied at it. */
    static Map<Integer, Double> applied() {
        return new TreeMap<>(LR);
    }

    /** Iteration -> the partitions (workers) that stepped at it. */
    static Map<Integer, Set<Integer>> workers() {
        return new TreeMap<>(PARTITIONS);
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        double lr = schedule.valueAt(iteration, epoch);
        LR.put(iteration, lr);
        TaskContext task = TaskContext.get();
        PARTITIONS.computeIfAbsent(iteration, i -> ConcurrentHashMap.newKeySet()).add(task == null ? -1 : task.partitionId());
        return lr;
    }

    @Override
    public ISchedule clone() {
        return new RecordingSchedule(schedule);
    }
}
