package org.micronet.inference;

import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.micronet.ingest.DataException;
import org.micronet.ingest.loader.ShardLoader;
import org.micronet.trainer.Datasets;
import org.micronet.trainer.ExportedModel;
import org.micronet.trainer.ModelCard;
import org.micronet.trainer.RunStore;
import org.micronet.trainer.Validation;
import org.nd4j.evaluation.classification.ConfusionMatrix;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;

/**
 * An export evaluated on labelled data on Spark by {@link Validation}, the code training
 * evaluates with, on images prepared as its card says: on its own validation data with the
 * training's batch size and workers it reproduces the run's final top-1 exactly.
 *
 * @param confusion [actual][predicted] counts
 */
public record ExportEvaluation(ModelCard card, String data, String split, long images, double top1, double top5,
                               double loss, long[][] confusion) {
    private static final Logger log = LoggerFactory.getLogger(ExportEvaluation.class);

    /**
     * @param work       where raw data is ingested first ({@code <work>/ingest/<name>}); an ingest output is read in place
     * @param partitions Spark partitions of the data (training evaluates with one per worker)
     */
    public static ExportEvaluation run(JavaSparkContext sc, ExportedModel model, String data, String split,
                                       RunStore work, int batchSize, int partitions) throws IOException {
        ModelCard card = model.card();
        ShardLoader loader = Datasets.open(sc, data, work, card.preprocessing(), partitions);
        List<String> ids = loader.manifest().classes.stream().map(c -> c.wnid).toList();
        if (!ids.equals(card.classIds())) {
            throw new DataException("data " + data + " has classes " + abbreviate(ids) + " but the model was trained on "
                    + abbreviate(card.classIds()) + " (in this order)");
        }
        long images = loader.count(split);
        if (images == 0) {
            throw new DataException("data " + data + " has no images in split '" + split + "'; splits present: "
                    + loader.manifest().imagesPerSplit.keySet());
        }
        Object shortSide = loader.manifest().settings.get("shortSide");
        if (!Integer.valueOf(card.preprocessing().shortSide()).equals(shortSide)) {
            log.warn("{} was ingested at short side {}, the model's validation data at {}: results may differ slightly",
                    data, shortSide, card.preprocessing().shortSide());
        }
        log.info("evaluating {} on {} images of split '{}' of {}", model.uri(), images, split, data);
        Validation.Result v = Validation.run(sc, model.network(),
                new ParameterAveragingTrainingMaster.Builder(batchSize).batchSizePerWorker(batchSize).build(),
                loader.evaluationRdd(split, card.preprocessing(), batchSize), batchSize, card.classIds());
        int n = ids.size();
        long[][] confusion = new long[n][n];
        ConfusionMatrix<Integer> cm = v.evaluation().getConfusion();
        for (int a = 0; a < n; a++) {
            for (int p = 0; p < n; p++) {
                confusion[a][p] = cm.getCount(a, p);
            }
        }
        return new ExportEvaluation(card, data, split, images, v.top1(), v.top5(), v.loss(), confusion);
    }

    /** Images of class {@code c} in the data. */
    public long actual(int c) {
        long sum = 0;
        for (long count : confusion[c]) sum += count;
        return sum;
    }

    /** Top-1 among the images of class {@code c}; NaN when it has none. */
    public double classAccuracy(int c) {
        long n = actual(c);
        return n == 0 ? Double.NaN : (double) confusion[c][c] / n;
    }

    private static String abbreviate(List<String> ids) {
        return ids.size() <= 6 ? ids.toString() : ids.subList(0, 5) + "... (" + ids.size() + ")";
    }
}
