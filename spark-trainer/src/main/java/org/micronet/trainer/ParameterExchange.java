package org.micronet.trainer;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How the workers of a barrier stage average after each round ({@link BarrierRounds}). Every
 * worker averages the same states in the same order (by partition) with the array operations
 * DL4J's driver uses (sum, then divide by the count), so all of them hold identical parameters
 * afterwards: with two workers, equal to what driver averaging gives bit for bit (with more, the
 * driver sums in the order Spark merges the tasks' results, so it differs in the last bits).
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

    /**
     * Sets {@code net}'s parameters, updater state and score to the mean over the workers
     * {@code w} with {@code fitted[w]}: their {@code params[w]} and {@code states[w]} (null without
     * updater state) summed in partition order, then divided by their count, as DL4J's driver
     * averages. Returns the count; 0 leaves {@code net} as it is.
     */
    static int setToMean(ComputationGraph net, INDArray[] params, INDArray[] states, double[] scores, boolean[] fitted) {
        INDArray state = net.getUpdater().getStateViewArray();
        int count = 0;
        double sum = 0;
        for (int w = 0; w < fitted.length; w++) {
            if (!fitted[w]) {
                continue;
            }
            if (count == 0) {
                net.params().assign(params[w]);
            } else {
                net.params().addi(params[w]);
            }
            if (state != null) {
                if (count == 0) {
                    state.assign(states[w]);
                } else {
                    state.addi(states[w]);
                }
            }
            sum += scores[w];
            count++;
        }
        if (count == 0) {
            return 0;
        }
        net.params().divi(count);
        if (state != null) {
            state.divi(count);
        }
        net.setScore(sum / count);
        return count;
    }

    /** Drops what the exchange holds; called once this worker is done with the stage or has failed. */
    @Override
    void close();
}
