package org.micronet.trainer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.micronet.config.ConfigException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes an export folder ({@code model.zip}, {@code best-model.zip}, {@code model-card.json})
 * to any Hadoop URI, whole or not at all; an existing export is kept unless overwriting.
 */
public final class Exporter {
    public static final String MODEL = "model.zip";
    public static final String BEST = "best-model.zip";
    public static final String CARD = "model-card.json";

    private Exporter() {
    }

    /** Fails before training when the export exists and may not be replaced. */
    static void checkTarget(String uri, boolean overwrite, Configuration conf) throws IOException {
        RunStore target = new RunStore(uri, conf);
        if (!overwrite && target.exists()) {
            throw new ConfigException("export " + target.uri() + " already exists; pass --overwrite to replace it");
        }
    }

    static void export(String uri, ComputationGraph finalModel, RunStore best, String bestModel, ModelCard card,
                       boolean overwrite, Configuration conf) throws IOException {
        checkTarget(uri, overwrite, conf);
        RunStore target = new RunStore(uri, conf);
        Path parent = target.root().getParent();
        RunStore parentStore = new RunStore(parent.toString(), conf);
        String name = target.root().getName();
        Path staging = parentStore.stagingFor(name);
        try (OutputStream out = parentStore.create(new Path(staging, MODEL))) {
            ModelSerializer.writeModel(finalModel, out, false);
        }
        try (InputStream in = best.open(bestModel); OutputStream out = parentStore.create(new Path(staging, BEST))) {
            in.transferTo(out);
        }
        try (OutputStream out = parentStore.create(new Path(staging, CARD))) {
            out.write(MetricsLog.json(card).getBytes(StandardCharsets.UTF_8));
        }
        parentStore.publish(staging, target.root());
    }

    public static ComputationGraph load(String uri, Configuration conf) throws IOException {
        RunStore store = new RunStore(uri, conf);
        try (InputStream in = store.open(MODEL)) {
            return ModelSerializer.restoreComputationGraph(in, false);
        }
    }
}
