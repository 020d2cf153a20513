package org.micronet.trainer;

import com.fasterxml.jackson.databind.JsonNode;
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

    /**
     * Fails before training when the export could not be written at the end: its folder is not
     * writable, or it exists and may not be replaced. The run {@code ownRun} may replace its own
     * export (a resume of a run stopped between its export and {@code _SUCCESS}); null for none.
     * Also removes what killed exports left behind.
     */
    static void checkTarget(String uri, boolean overwrite, String ownRun, Configuration conf) throws IOException {
        RunStore target = new RunStore(uri, conf);
        RunStore parent = new RunStore(target.root().getParent().toString(), conf);
        parent.checkWritable("the folder of export " + target.uri());
        parent.removeStaging("", target.root().getName());
        if (!overwrite && target.exists() && !(ownRun != null && ownRun.equals(runOf(target)))) {
            throw new ConfigException("export " + target.uri() + " already exists; pass --overwrite to replace it");
        }
    }

    /** The run directory an export's model card names, or null when it has no readable card. */
    private static String runOf(RunStore export) {
        try {
            return MetricsLog.parse(export.readString(CARD), JsonNode.class).path("run_directory").asText(null);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static void export(String uri, ComputationGraph finalModel, RunStore best, String bestModel, ModelCard card,
                       boolean overwrite, Configuration conf) throws IOException {
        checkTarget(uri, overwrite, card.runDirectory(), conf);
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
