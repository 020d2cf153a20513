package org.micronet.inference;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;
import org.micronet.config.ConfigException;
import org.micronet.ingest.Manifest;
import org.micronet.ingest.OutputLayout;
import org.micronet.ingest.ProgressReporter;
import org.micronet.ingest.SerializableHadoopConf;
import org.micronet.trainer.Exporter;
import org.micronet.trainer.ExportedModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Scores images with an export on Spark: one row per image (path, top-k ids, names,
 * probabilities) in {@code <output>/parquet/part-NNNNN.parquet} (and {@code csv/} on request),
 * images that could not be decoded in {@code rejected.csv}, and {@code _SUCCESS}. Everything is
 * written into a hidden staging sibling of the output, published by one rename; a run
 * interrupted before that resumes with the parts it had not finished.
 */
public final class ScoreJob {
    static final String PARQUET_DIR = "parquet";
    static final String CSV_DIR = "csv";
    static final String REJECTED_DIR = "_rejected";
    public static final String REJECTED = "rejected.csv";
    public static final String SUCCESS = "_SUCCESS";
    /** Kept in the output too: what its parts were computed from. */
    private static final String FINGERPRINT = "_fingerprint";
    private static final Logger log = LoggerFactory.getLogger(ScoreJob.class);

    /**
     * @param inputs        image files or folders, or one ingest output (every split's shards)
     * @param imagesPerPart images per part file (and Spark task) when the input is image files;
     *                      an ingest output has one part per shard
     */
    public record Options(String model, List<String> inputs, String output, int top, int batchSize, boolean csv,
                          boolean overwrite, int imagesPerPart, int progressSeconds) {
    }

    /** @param resumed parts kept from an interrupted run */
    public record Result(String output, long images, long rejected, int parts, int resumed) {
    }

    private ScoreJob() {
    }

    public static Result run(JavaSparkContext sc, Options o) throws IOException {
        if (o.top() < 1) throw new ConfigException("--top is " + o.top() + ", expected at least 1");
        if (o.batchSize() < 1) throw new ConfigException("--batch-size is " + o.batchSize() + ", expected at least 1");
        if (o.imagesPerPart() < 1) throw new ConfigException("--images-per-part is " + o.imagesPerPart() + ", expected at least 1");
        if (o.progressSeconds() < 1) throw new ConfigException("--progress-seconds is " + o.progressSeconds() + ", expected at least 1");
        Configuration conf = sc.hadoopConfiguration();
        Path output = new Path(o.output());
        FileSystem fs = output.getFileSystem(conf);
        output = fs.makeQualified(output);
        if (output.getParent() == null) {
            throw new ConfigException("--output " + output + " is a filesystem root; expected a folder below it");
        }
        if (fs.exists(output) && !o.overwrite()) {
            throw new ConfigException("--output " + output + (fs.exists(new Path(output, SUCCESS))
                    ? " already holds finished scores" : " already exists") + "; pass --overwrite to replace it");
        }
        ExportedModel model = ExportedModel.load(o.model(), conf);
        List<ScorePart.Part> parts = plan(o, conf);
        long images = parts.stream().filter(p -> !p.shard()).mapToLong(p -> p.files().size()).sum();

        Path staging = new Path(output.getParent(), "." + output.getName() + ".score-tmp");
        prepareStaging(fs, staging, fingerprint(o, model, parts));
        List<ScorePart.Part> pending = new ArrayList<>();
        for (ScorePart.Part p : parts) {
            if (!fs.exists(new Path(staging, PARQUET_DIR + "/" + p.name("parquet")))) pending.add(p);
        }
        int resumed = parts.size() - pending.size();
        log.info("score: {} parts to write{}", pending.size(),
                resumed > 0 ? ", " + resumed + " kept from an interrupted run" : "");
        LongAccumulator scored = sc.sc().longAccumulator("score.images");
        LongAccumulator rejected = sc.sc().longAccumulator("score.rejected");
        if (!pending.isEmpty()) {
            byte[] zip;
            try (InputStream in = fs.open(new Path(model.uri(), Exporter.MODEL))) {
                zip = in.readAllBytes();
            }
            ScorePart writer = new ScorePart(sc.broadcast(zip), model.card(), o.top(), o.batchSize(), o.csv(), staging,
                    new SerializableHadoopConf(conf), scored, rejected);
            long total = images > 0 ? pendingImages(pending) : manifestImages(o, conf, pending.size(), parts.size());
            try (ProgressReporter ignored = new ProgressReporter("score", total, scored, rejected, o.progressSeconds())) {
                sc.parallelize(pending, pending.size()).foreach(writer::write);
            }
        }
        long[] counts = publish(fs, staging, output, o.overwrite());
        log.info("score: published {}: {} images scored, {} rejected", output, counts[0], counts[1]);
        return new Result(output.toString(), counts[0], counts[1], parts.size(), resumed);
    }

    /** Image files in fixed, sorted parts; an ingest output by shard. */
    private static List<ScorePart.Part> plan(Options o, Configuration conf) throws IOException {
        List<ScorePart.Part> parts = new ArrayList<>();
        if (o.inputs().size() == 1) {
            Path root = new Path(o.inputs().get(0));
            FileSystem fs = root.getFileSystem(conf);
            Path manifest = new Path(root, OutputLayout.MANIFEST);
            if (fs.exists(manifest)) {
                Path qualified = fs.makeQualified(root);
                for (Manifest.Shard s : Manifest.read(fs, manifest).shards) {
                    parts.add(new ScorePart.Part(parts.size(), List.of(new Path(qualified, s.file).toString()), true));
                }
                return parts;
            }
        }
        List<String> files = ImageFiles.list(o.inputs(), conf);
        for (int from = 0; from < files.size(); from += o.imagesPerPart()) {
            parts.add(new ScorePart.Part(parts.size(),
                    List.copyOf(files.subList(from, Math.min(files.size(), from + o.imagesPerPart()))), false));
        }
        return parts;
    }

    private static long pendingImages(List<ScorePart.Part> pending) {
        return pending.stream().mapToLong(p -> p.files().size()).sum();
    }

    /** Images of the pending shards, from the manifest's counts. */
    private static long manifestImages(Options o, Configuration conf, int pendingParts, int parts) throws IOException {
        Path manifest = new Path(o.inputs().get(0), OutputLayout.MANIFEST);
        long all = Manifest.read(manifest.getFileSystem(conf), manifest).images;
        return all * pendingParts / Math.max(1, parts);
    }

    /** What a staging folder's parts were computed from; parts of another model or input are discarded. */
    private static String fingerprint(Options o, ExportedModel model, List<ScorePart.Part> parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((model.uri() + "|" + model.card().createdAt() + "|" + o.top() + "|" + o.csv() + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            for (ScorePart.Part p : parts) {
                sha.update((p.index() + ":" + String.join("\n", p.files()) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void prepareStaging(FileSystem fs, Path staging, String fingerprint) throws IOException {
        Path marker = new Path(staging, FINGERPRINT);
        if (fs.exists(staging)) {
            String previous = "";
            if (fs.exists(marker)) {
                try (InputStream in = fs.open(marker)) {
                    previous = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
                }
            }
            if (previous.equals(fingerprint)) {
                log.info("score: resuming the interrupted run in {}", staging);
                return;
            }
            log.warn("score: discarding {}: it was left by a run with another model, input or settings", staging);
            fs.delete(staging, true);
        }
        fs.mkdirs(new Path(staging, PARQUET_DIR));
        try (OutputStream out = fs.create(marker, true)) {
            out.write((fingerprint + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Merges the rejects, marks the staging folder finished and renames it; returns {scored, rejected}. */
    private static long[] publish(FileSystem fs, Path staging, Path output, boolean overwrite) throws IOException {
        StringBuilder rejects = new StringBuilder("path,reason\n");
        long rejected = 0;
        Path rejectedDir = new Path(staging, REJECTED_DIR);
        if (fs.exists(rejectedDir)) {
            List<Path> files = new ArrayList<>();
            for (var s : fs.listStatus(rejectedDir)) {
                if (!s.getPath().getName().startsWith(".")) files.add(s.getPath());
            }
            files.sort(null);
            for (Path f : files) {
                try (InputStream in = fs.open(f)) {
                    String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    rejects.append(text);
                    rejected += text.lines().count();
                }
            }
            fs.delete(rejectedDir, true);
        }
        for (String line : rejects.toString().lines().skip(1).toList()) {
            log.warn("score: skipped {}", line);
        }
        try (OutputStream out = fs.create(new Path(staging, REJECTED), true)) {
            out.write(rejects.toString().getBytes(StandardCharsets.UTF_8));
        }
        long scored = 0;
        for (var s : fs.listStatus(new Path(staging, PARQUET_DIR))) {
            if (s.getPath().getName().endsWith(".parquet")) {
                try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(s.getPath(), fs.getConf()))) {
                    scored += reader.getRecordCount();
                }
            }
        }
        fs.create(new Path(staging, SUCCESS), true).close();
        if (overwrite && fs.exists(output)) {
            fs.delete(output, true);
        }
        ScorePart.rename(fs, staging, output);
        return new long[]{scored, rejected};
    }
}
