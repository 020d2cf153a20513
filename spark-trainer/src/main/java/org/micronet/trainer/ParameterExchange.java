package org.micronet.trainer;

import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * How the workers of a barrier stage average after each round ({@link BarrierRounds}). Every
 * worker averages the same states in the same order (by partition) with the array operations
 * DL4J's driver uses (sum, then divide by the count), so all of them hold identical parameters
 * afterwards, equal to what driver averaging gives.
 */
interface ParameterExchange extends AutoCloseable {
    /**
     * Sets {@code net}'s parameters, updater state and score to the average over the workers that
     * fitted a minibatch in this round ({@code fitted}: whether this one did) and returns how
     * many they were; 0 leaves {@code net} as it is. Every worker of the stage calls it once a
     * round. {@code meanwhile} runs once, while this worker would wait for the others where the
     * exchange lets it, else after the exchange; it must not touch {@code net}.
     */
    int average(ComputationGraph net, boolean fitted, Runnable meanwhile);

    /** The nanoseconds {@link #average} has waited for the other workers so far, {@code meanwhile} not counted. */
    long waitingNanos();

    /** Drops what the exchange holds; called once this worker is done with the stage or has failed. */
    @Override
    void close();
}
