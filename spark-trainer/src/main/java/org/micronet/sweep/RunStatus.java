package org.micronet.sweep;

import org.micronet.trainer.RunStore;

import java.io.IOException;
import java.time.Instant;

/**
 * What the sweep knows of a run's attempts, in {@code <run>/sweep-status.json}. Whether a run
 * is finished is the trainer's {@code _SUCCESS} marker, not this file.
 *
 * @param state       running (or interrupted, if no sweep is running it), failed or finished
 * @param error       the last failure's message
 * @param wallSeconds wall time of all attempts together (Spark start, training, evaluation, export)
 * @param attempts    how many times the sweep started it
 */
public record RunStatus(State state, String error, double wallSeconds, int attempts, String updated) {
    public static final String FILE = "sweep-status.json";

    public enum State {
        @com.fasterxml.jackson.annotation.JsonProperty("running") RUNNING,
        @com.fasterxml.jackson.annotation.JsonProperty("failed") FAILED,
        @com.fasterxml.jackson.annotation.JsonProperty("finished") FINISHED
    }

    static RunStatus read(RunStore run) throws IOException {
        return run.exists(FILE) ? SweepPlan.JSON.readValue(run.readString(FILE), RunStatus.class) : null;
    }

    static RunStatus next(RunStatus previous, State state, String error, double seconds) {
        double before = previous == null ? 0 : previous.wallSeconds();
        int attempts = (previous == null ? 0 : previous.attempts()) + (state == State.RUNNING ? 1 : 0);
        return new RunStatus(state, error, before + seconds, attempts, Instant.now().toString());
    }

    void write(RunStore run) throws IOException {
        run.writeString(FILE, SweepPlan.JSON.writeValueAsString(this));
    }
}
