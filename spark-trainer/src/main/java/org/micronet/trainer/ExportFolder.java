package org.micronet.trainer;

import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.micronet.ingest.DataException;

import java.io.IOException;
import java.io.InputStream;

/**
 * An export folder written by {@link Exporter}, read back on any Hadoop filesystem. A missing
 * folder or file, or one that cannot be read, is a {@link DataException} naming it.
 */
public final class ExportFolder {
    private final RunStore store;

    private ExportFolder(RunStore store) {
        this.store = store;
    }

    public static ExportFolder open(String uri, Configuration conf) throws IOException {
        RunStore store = new RunStore(uri, conf);
        if (!store.exists()) {
            throw new DataException("export folder " + store.uri() + " does not exist");
        }
        return new ExportFolder(store);
    }

    public String uri() {
        return store.uri();
    }

    /** The URI of a file in the folder. */
    public String uri(String file) {
        return store.path(file).toString();
    }

    /** {@link Exporter#MODEL} or {@link Exporter#BEST}. */
    public ComputationGraph model(String file) throws IOException {
        requireFile(file);
        try (InputStream in = store.open(file)) {
            return ModelSerializer.restoreComputationGraph(in, false);
        } catch (IOException | RuntimeException e) {
            // a corrupt zip surfaces as anything from ZipException to NullPointerException
            throw new DataException(uri(file) + " is not a readable DL4J model: " + e, e);
        }
    }

    /** {@code model-card.json} as written. */
    public String cardText() throws IOException {
        requireFile(Exporter.CARD);
        return store.readString(Exporter.CARD);
    }

    public ModelCard card(String cardText) {
        try {
            return MetricsLog.parse(cardText, ModelCard.class);
        } catch (IOException e) {
            throw new DataException(uri(Exporter.CARD) + " is not a readable model card: " + e.getMessage(), e);
        }
    }

    private void requireFile(String file) throws IOException {
        if (!store.exists(file)) {
            throw new DataException(uri(file) + ": no such file in the export folder");
        }
    }
}
