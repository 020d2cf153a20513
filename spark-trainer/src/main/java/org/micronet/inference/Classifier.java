package org.micronet.inference;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.ingest.image.ImageRejectedException;
import org.micronet.ingest.loader.FloatArrays;
import org.micronet.ingest.loader.ImageFeatures;
import org.micronet.models.InferenceFolding;
import org.micronet.trainer.ModelCard;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Top-k classes of images with an exported model, one batch at a time, the images prepared as
 * the card says validation prepared them ({@link ImageFeatures}), on the model with its batch
 * norms and channel shuffles folded into the layers next to them and each Micro-Factorized
 * depthwise pair run as one layer ({@link InferenceFolding}: the same outputs, fewer passes). Used by predict on the driver and by score on the executors.
 */
public final class Classifier {
    /** An image to classify: its name (path or URI) and its file's bytes. */
    public record Image(String name, byte[] bytes) {
    }

    public record Scored(int index, String id, String name, double probability) {
    }

    public record Prediction(String image, List<Scored> top) {
    }

    /** An image that could not be decoded, and why. */
    public record Rejected(String image, String reason) {
    }

    public record Batch(List<Prediction> predictions, List<Rejected> rejected) {
    }

    private final ModelCard card;
    private final ComputationGraph net;
    private final ImageFeatures features;
    private final int top;

    public Classifier(ModelCard card, ComputationGraph net, int top) {
        if (top < 1) {
            throw new IllegalArgumentException("top " + top + ", expected at least 1");
        }
        this.card = card;
        this.net = InferenceFolding.fold(net);
        this.features = new ImageFeatures(card.preprocessing());
        this.top = Math.min(top, card.classIds().size());
    }

    /** Predictions of the images that decode, in order, and the others with the reason. */
    public Batch classify(List<Image> images) {
        List<Image> accepted = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        float[] x = new float[images.size() * features.sampleLength()];
        for (Image image : images) {
            try {
                features.apply(image.name(), image.bytes(), x, accepted.size() * features.sampleLength());
                accepted.add(image);
            } catch (ImageRejectedException | RuntimeException e) {
                rejected.add(new Rejected(image.name(), e.getMessage()));
            }
        }
        List<Prediction> predictions = new ArrayList<>();
        if (accepted.isEmpty()) {
            return new Batch(predictions, rejected);
        }
        int n = accepted.size();
        int size = features.size();
        INDArray out = net.outputSingle(false, FloatArrays.of(x, n, 3, size, size));
        if (out.columns() != card.classIds().size()) {
            throw new IllegalStateException("the model has " + out.columns() + " outputs but its card lists "
                    + card.classIds().size() + " classes");
        }
        float[][] p = out.toFloatMatrix();
        for (int i = 0; i < n; i++) {
            float[] row = p[i];
            List<Scored> best = IntStream.range(0, row.length).boxed()
                    .sorted(Comparator.comparingDouble((Integer c) -> -row[c]).thenComparing(c -> c))
                    .limit(top)
                    .map(c -> new Scored(c, card.classIds().get(c), card.classes().get(c), row[c]))
                    .toList();
            predictions.add(new Prediction(accepted.get(i).name(), best));
        }
        return new Batch(predictions, rejected);
    }
}
