package org.micronet.sweep;

import org.apache.spark.api.java.JavaSparkContext;
import org.micronet.trainer.RunConfig;
import org.micronet.trainer.RunStore;
import org.micronet.trainer.Trainer;

import java.io.IOException;

/** Runs every run in this Spark application, one after another: a whole sweep is one spark-submit. */
public final class InProcessLauncher implements RunLauncher {
    private final JavaSparkContext sc;

    public InProcessLauncher(JavaSparkContext sc) {
        this.sc = sc;
    }

    @Override
    public void train(RunConfig cfg, RunStore folder) throws IOException {
        // the export sits in the run's own folder, so a resumed run may replace a partial one
        new Trainer(sc, cfg, true).run(true);
    }
}
