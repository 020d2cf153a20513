package org.micronet.trainer;

import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.micronet.ingest.DataException;

import java.io.IOException;
import java.io.InputStream;

/**
 * An export of {@code train} opened for use: one of its models ({@code model.zip}, the one whose
 * top-1 the card reports, unless told otherwise) and its card, checked before any work starts.
 *
 * @param cardText {@code model-card.json} as written, for consumers that carry it on (ONNX metadata)
 */
public record ExportedModel(String uri, ModelCard card, String cardText, ComputationGraph network) {

    /** The final model; throws {@link DataException} naming the folder or file that is missing, old or corrupt. */
    public static ExportedModel load(String uri, Configuration conf) throws IOException {
        return load(uri, Exporter.MODEL, conf);
    }

    /** {@code file} is {@link Exporter#MODEL} or {@link Exporter#BEST}. */
    public static ExportedModel load(String uri, String file, Configuration conf) throws IOException {
        String cardText = cardText(uri, conf);
        ModelCard card = card(uri, cardText, conf);
        RunStore store = new RunStore(uri, conf);
        if (!store.exists(file)) {
            throw new DataException("model " + store.path(file) + " does not exist");
        }
        ComputationGraph net;
        try (InputStream in = store.open(file)) {
            net = ModelSerializer.restoreComputationGraph(in, false);
        } catch (IOException | RuntimeException e) {
            // a corrupt zip surfaces as anything from ZipException to NullPointerException
            throw new DataException("model " + store.path(file) + " cannot be read (corrupt or not a DL4J "
                    + "model zip): " + e, e);
        }
        return new ExportedModel(store.uri(), card, cardText, net);
    }

    /** The card alone, checked as {@link #load} checks it. */
    public static ModelCard card(String uri, Configuration conf) throws IOException {
        return card(uri, cardText(uri, conf), conf);
    }

    private static String cardText(String uri, Configuration conf) throws IOException {
        RunStore store = new RunStore(uri, conf);
        if (!store.exists()) {
            throw new DataException("model " + store.uri() + " does not exist");
        }
        if (!store.exists(Exporter.CARD)) {
            throw new DataException("model " + store.uri() + " has no " + Exporter.CARD
                    + "; expected an export of 'micronet train' (model.zip, best-model.zip, model-card.json)");
        }
        return store.readString(Exporter.CARD);
    }

    private static ModelCard card(String uri, String text, Configuration conf) throws IOException {
        String where = new RunStore(uri, conf).path(Exporter.CARD).toString();
        ModelCard card;
        try {
            card = MetricsLog.parse(text, ModelCard.class);
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
