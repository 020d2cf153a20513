package org.micronet.trainer;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.micronet.ingest.DataException;
import org.micronet.ingest.IngestJob;
import org.micronet.ingest.IngestOptions;
import org.micronet.ingest.OutputLayout;
import org.micronet.ingest.loader.ShardLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;

/**
 * Turns a run's data URIs into loaders: an ingest output is used as it is; raw ILSVRC or
 * WebDataset input is ingested once into {@code <run>/ingest/<name>} (re-runs find it done).
 */
final class Datasets {
    private static final Logger log = LoggerFactory.getLogger(Datasets.class);

    private Datasets() {
    }

    /** Fails, naming {@code key}, when {@code uri} does not exist: before anything is written or ingested. */
    static void checkExists(JavaSparkContext sc, String key, String uri) throws IOException {
        Path input = new Path(uri);
        if (!input.getFileSystem(sc.hadoopConfiguration()).exists(input)) {
            throw new DataException(key + ": " + uri + " does not exist");
        }
    }

    static ShardLoader open(JavaSparkContext sc, String uri, RunStore run, int shortSide, int partitions,
                            Map<String, ShardLoader> opened) throws IOException {
        ShardLoader cached = opened.get(uri);
        if (cached != null) {
            return cached;
        }
        Path input = new Path(uri);
        FileSystem fs = input.getFileSystem(sc.hadoopConfiguration());
        String shards = uri;
        if (!fs.exists(new Path(input, OutputLayout.MANIFEST))) {
            shards = run.path("ingest/" + input.getName()).toString();
            log.info("{} is not an ingest output; ingesting it into {} (short side {})", uri, shards, shortSide);
            IngestOptions options = new IngestOptions(uri, shards);
            options.shortSide = shortSide;
            IngestJob.run(options, sc);
        }
        ShardLoader loader = ShardLoader.open(sc, shards).withPartitions(partitions);
        opened.put(uri, loader);
        return loader;
    }
}
