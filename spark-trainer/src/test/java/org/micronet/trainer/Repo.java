package org.micronet.trainer;

import org.apache.spark.api.java.JavaSparkContext;
import org.micronet.ingest.IngestJob;
import org.micronet.ingest.IngestOptions;

import java.io.IOException;
import java.nio.file.Path;

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
}
