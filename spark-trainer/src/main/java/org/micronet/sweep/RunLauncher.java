package org.micronet.sweep;

import org.micronet.trainer.RunConfig;
import org.micronet.trainer.RunStore;

/**
 * Trains one run of a sweep to the end, resuming from its latest checkpoint when it has one;
 * the run's resolved {@code config.yaml} is already in its folder. Throws when the run fails.
 */
public interface RunLauncher {
    void train(RunConfig cfg, RunStore folder) throws Exception;
}
