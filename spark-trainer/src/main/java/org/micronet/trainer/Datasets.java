package org.micronet.trainer;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.micronet.ingest.DataException;
import org.micronet.ingest.IngestJob;
import org.micronet.ingest.IngestOptions;
import org.micronet.ingest.OutputLayout;
import org.micronet.ingest.loader.Preprocessing;
import org.micronet.ingest.loader.ShardLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns a run's data URIs into loaders: an ingest output is used as it is; raw ILSVRC or
 * WebDataset input is ingested once into {@code <run>/ingest/<name>} (re-runs find it done).
 */
public final class Datasets {
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
        ShardLoader loader = open(sc, uri, run, options -> options.shortSide = shortSide, partitions);
        opened.put(uri, loader);
        return loader;
    }

    /**
     * For evaluating an export: raw input is ingested into {@code <work>/ingest/<name>} as the
     * export's validation data was ({@code p}'s short side, upscaling and JPEG quality).
     */
    public static ShardLoader open(JavaSparkContext sc, String uri, RunStore work, Preprocessing p, int partitions)
            throws IOException {
        return open(sc, uri, work, options -> {
            options.shortSide = p.shortSide();
            options.upscale = p.upscale();
            options.jpegQuality = p.jpegQuality();
        }, partitions);
    }

    private static ShardLoader open(JavaSparkContext sc, String uri, RunStore run, Consumer<IngestOptions> settings,
                                    int partitions) throws IOException {
        checkExists(sc, "data", uri);
        Path input = new Path(uri);
        FileSystem fs = input.getFileSystem(sc.hadoopConfiguration());
        String shards = uri;
        if (!fs.exists(new Path(input, OutputLayout.MANIFEST))) {
            shards = run.path("ingest/" + input.getName()).toString();
            IngestOptions options = new IngestOptions(uri, shards);
            settings.accept(options);
            log.info("{} is not an ingest output; ingesting it into {} (short side {})", uri, shards, options.shortSide);
            IngestJob.run(options, sc);
        }
        return ShardLoader.open(sc, shards).withPartitions(partitions);
    }
}
