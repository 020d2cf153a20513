package org.micronet.trainer;

import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.micronet.ingest.DataException;

import java.io.IOException;
import java.io.InputStream;

/**
 * An export of {@code train} opened for use: its final model ({@code model.zip}, the one whose
 * top-1 the card reports) and its card, checked before any work starts.
 */
public record ExportedModel(String uri, ModelCard card, ComputationGraph network) {

    /** Throws {@link DataException} naming the folder or file that is missing, old or corrupt. */
    public static ExportedModel load(String uri, Configuration conf) throws IOException {
        ModelCard card = card(uri, conf);
        RunStore store = new RunStore(uri, conf);
        if (!store.exists(Exporter.MODEL)) {
            throw new DataException("model " + store.path(Exporter.MODEL) + " does not exist");
        }
        ComputationGraph net;
        try (InputStream in = store.open(Exporter.MODEL)) {
            net = ModelSerializer.restoreComputationGraph(in, false);
        } catch (IOException | RuntimeException e) {
            throw new DataException("model " + store.path(Exporter.MODEL) + " cannot be read (corrupt or not a DL4J "
                    + "model zip): " + e, e);
        }
        return new ExportedModel(store.uri(), card, net);
    }

    /** The card alone, checked as {@link #load} checks it. */
    public static ModelCard card(String uri, Configuration conf) throws IOException {
        RunStore store = new RunStore(uri, conf);
        if (!store.exists()) {
            throw new DataException("model " + store.uri() + " does not exist");
        }
        if (!store.exists(Exporter.CARD)) {
            throw new DataException("model " + store.uri() + " has no " + Exporter.CARD
                    + "; expected an export of 'micronet train' (model.zip, best-model.zip, model-card.json)");
        }
        String where = store.path(Exporter.CARD).toString();
        ModelCard card;
        try {
            card = MetricsLog.parse(store.readString(Exporter.CARD), ModelCard.class);
        } catch (IOException e) {
            throw new DataException("model card " + where + " cannot be read: " + e.getMessage(), e);
        }
        if (card.preprocessing() == null || card.classIds() == null) {
            throw new DataException("model card " + where + " has no 'preprocessing' or 'class_ids': it was exported "
                    + "before they were recorded; add them by hand (README, 'Using a trained model') or export again");
        }
        String unsupported = card.preprocessing().unsupported();
        if (unsupported != null) {
            throw new DataException("model card " + where + ": preprocessing " + unsupported);
        }
        if (card.classes() == null || card.classes().size() != card.classIds().size()) {
            throw new DataException("model card " + where + ": 'classes' and 'class_ids' differ in length");
        }
        return card;
    }
}
