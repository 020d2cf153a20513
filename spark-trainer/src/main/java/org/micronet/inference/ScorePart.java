package org.micronet.inference;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.micronet.ingest.SerializableHadoopConf;
import org.micronet.ingest.source.TarMembers;
import org.micronet.trainer.ModelCard;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Runs on the executors: scores one part of the input (a list of image files, or one shard of
 * an ingest output) and writes its Parquet file (and CSV) into the staging folder under a
 * temporary name, renamed into place when whole: a part file that exists is finished, and a
 * rerun skips it. Images that cannot be decoded go to the part's rejected list.
 */
final class ScorePart implements Serializable {
    /** @param shard the files are shards of an ingest output, scored member by member */
    record Part(int index, List<String> files, boolean shard) implements Serializable {
        String name(String extension) {
            return String.format("part-%05d.%s", index, extension);
        }
    }

    private final Broadcast<byte[]> model;
    private final ModelCard card;
    private final int top;
    private final int batchSize;
    private final boolean csv;
    private final String staging;
    private final SerializableHadoopConf conf;
    private final LongAccumulator scored;
    private final LongAccumulator rejected;

    ScorePart(Broadcast<byte[]> model, ModelCard card, int top, int batchSize, boolean csv, Path staging,
              SerializableHadoopConf conf, LongAccumulator scored, LongAccumulator rejected) {
        this.model = model;
        this.card = card;
        this.top = top;
        this.batchSize = batchSize;
        this.csv = csv;
        this.staging = staging.toString();
        this.conf = conf;
        this.scored = scored;
        this.rejected = rejected;
    }

    void write(Part part) throws IOException {
        Configuration c = conf.get();
        ComputationGraph net = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(model.value()), false);
        Classifier classifier = new Classifier(card, net, top);
        List<Classifier.Prediction> rows = new ArrayList<>();
        List<Classifier.Rejected> rejects = new ArrayList<>();
        List<Classifier.Image> batch = new ArrayList<>();
        TaskContext task = TaskContext.get();
        for (Classifier.Image image : (Iterable<Classifier.Image>) () -> images(part, c)) {
            batch.add(image);
            if (batch.size() == batchSize) {
                task.killTaskIfInterrupted();
                classify(classifier, batch, rows, rejects);
            }
        }
        classify(classifier, batch, rows, rejects);

        Path root = new Path(staging);
        FileSystem fs = root.getFileSystem(c);
        // the Parquet file is the part's mark of completion, so it is renamed into place last
        writeText(fs, new Path(root, ScoreJob.REJECTED_DIR + "/" + part.name("csv")), rejectedCsv(rejects));
        if (csv) {
            writeText(fs, new Path(root, ScoreJob.CSV_DIR + "/" + part.name("csv")),
                    ScoreFiles.csv(rows, Math.min(top, card.classIds().size())));
        }
        Path parquet = new Path(root, ScoreJob.PARQUET_DIR + "/" + part.name("parquet"));
        Path partial = partial(parquet);
        ScoreFiles.writeParquet(partial, rows, c);
        rename(fs, partial, parquet);
        scored.add(rows.size());
        rejected.add(rejects.size());
    }

    private static void classify(Classifier classifier, List<Classifier.Image> batch, List<Classifier.Prediction> rows,
                                 List<Classifier.Rejected> rejects) {
        if (!batch.isEmpty()) {
            Classifier.Batch result = classifier.classify(batch);
            rows.addAll(result.predictions());
            rejects.addAll(result.rejected());
            batch.clear();
        }
    }

    /** The part's images, read one at a time. */
    private static java.util.Iterator<Classifier.Image> images(Part part, Configuration conf) {
        if (!part.shard()) {
            return part.files().stream().map(f -> {
                try {
                    return new Classifier.Image(f, ImageFiles.read(f, conf));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("reading " + f, e);
                }
            }).iterator();
        }
        List<Classifier.Image> images = new ArrayList<>();
        for (String shard : part.files()) {
            Path path = new Path(shard);
            try (InputStream in = path.getFileSystem(conf).open(path); TarMembers members = new TarMembers(in)) {
                for (TarMembers.Member m = members.next(); m != null; m = members.next()) {
                    if (m.extension().equals("jpg")) {
                        images.add(new Classifier.Image(shard + "#" + m.key(), members.read()));
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("reading shard " + shard, e);
            }
        }
        return images.iterator();
    }

    private static String rejectedCsv(List<Classifier.Rejected> rejects) {
        StringBuilder out = new StringBuilder();
        rejects.forEach(r -> out.append(ScoreFiles.field(r.image())).append(',').append(ScoreFiles.field(r.reason()))
                .append('\n'));
        return out.toString();
    }

    private static void writeText(FileSystem fs, Path file, String text) throws IOException {
        Path partial = partial(file);
        try (OutputStream out = fs.create(partial, false)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        fs.delete(file, false);
        rename(fs, partial, file);
    }

    private static Path partial(Path file) {
        return new Path(file.getParent(), "." + file.getName() + "." + UUID.randomUUID() + ".partial");
    }

    static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("could not rename " + from + " to " + to);
        }
    }
}
