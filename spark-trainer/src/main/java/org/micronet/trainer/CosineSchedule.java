package org.micronet.trainer;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * The reference recipe's learning rate, per iteration: linear warm-up from 0 to the peak over
 * {@code warmupIterations}, then cosine decay from the peak to 0 at {@code totalIterations}.
 * It depends on the iteration count only, which DL4J stores with the model, so it continues
 * across epochs and resumes. Serialises with the model configuration.
 */
public final class CosineSchedule implements ISchedule {
    private final double peak;
    private final long warmupIterations;
    private final long totalIterations;

    public CosineSchedule(@JsonProperty("peak") double peak,
                          @JsonProperty("warmupIterations") long warmupIterations,
                          @JsonProperty("totalIterations") long totalIterations) {
        if (peak <= 0 || warmupIterations < 0 || totalIterations < 1 || warmupIterations >= totalIterations) {
            throw new IllegalArgumentException("cosine schedule needs peak > 0 and 0 <= warm-up < total iterations, got peak "
                    + peak + ", warm-up " + warmupIterations + ", total " + totalIterations);
        }
        this.peak = peak;
        this.warmupIterations = warmupIterations;
        this.totalIterations = totalIterations;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        if (iteration < warmupIterations) {
            return peak * (iteration + 1) / warmupIterations;
        }
        double progress = Math.min(1.0, (double) (iteration - warmupIterations) / (totalIterations - warmupIterations));
        return 0.5 * peak * (1 + Math.cos(Math.PI * progress));
    }

    @Override
    public ISchedule clone() {
        return new CosineSchedule(peak, warmupIterations, totalIterations);
    }

    @JsonProperty("peak")
    public double getPeak() {
        return peak;
    }

    @JsonProperty("warmupIterations")
    public long getWarmupIterations() {
        return warmupIterations;
    }

    @JsonProperty("totalIterations")
    public long getTotalIterations() {
        return totalIterations;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CosineSchedule c && c.peak == peak && c.warmupIterations == warmupIterations
                && c.totalIterations == totalIterations;
    }

    @Override
    public int hashCode() {
        return Objects.hash(peak, warmupIterations, totalIterations);
    }
}
