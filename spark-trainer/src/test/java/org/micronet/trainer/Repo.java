package org.micronet.trainer;

import org.apache.spark.api.java.JavaSparkContext;
import org.micronet.ingest.IngestJob;
import org.micronet.ingest.IngestOptions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Paths in the repository the trainer tests read, and the bundled sample ready to train on. */
final class Repo {
    private Repo() {
    }

    static Path root() {
        return Path.of(System.getProperty("micronet.repo", "..")).toAbsolutePath().normalize();
    }

    static Path sample() {
        return root().resolve("data/sample/fashion-mnist-ilsvrc");
    }

    /** Ingests the bundled sample as the quickstart does (short side 36) into {@code shards}; returns it. */
    static String ingestSample(JavaSparkContext sc, Path shards) throws IOException {
        IngestOptions ingest = new IngestOptions(sample().toString(), shards.toString());
        ingest.shortSide = 36;
        IngestJob.run(ingest, sc);
        return shards.toString();
    }

    /**
     * The quickstart's model and optimiser on the ingested sample {@code shards}, in minibatches of
     * 20 without warm-up, into {@code <dir>/<name>/run} and {@code <dir>/<name>/export}; {@code sets}
     * override the rest.
     */
    static RunConfig sampleRun(Path dir, String shards, String name, String... sets) {
        List<String> all = new ArrayList<>(List.of("data.train=" + shards, "batchSizePerWorker=20", "warmupEpochs=0",
                "output=" + dir.resolve(name + "/run"), "export=" + dir.resolve(name + "/export")));
        all.addAll(List.of(sets));
        return RunConfigLoader.load(root().resolve("configs/runs/quickstart.yaml"), all);
    }
}
