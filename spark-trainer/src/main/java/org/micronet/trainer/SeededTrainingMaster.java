package org.micronet.trainer;

import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;

import java.util.Random;

/**
 * DL4J's parameter-averaging master, whose random split of each fit's data into averaging rounds
 * is drawn from a seed given before the fit rather than from one generator for its lifetime: the
 * rounds of a chunk are then the same in every run of a config, a resumed one included.
 */
final class SeededTrainingMaster extends ParameterAveragingTrainingMaster {
    SeededTrainingMaster(Builder builder) {
        super(builder);
    }

    void reseed(long seed) {
        rng = new Random(seed);
    }
}
