package org.micronet.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;
import org.micronet.ingest.cli.IngestCommand;
import org.micronet.ingest.image.ImageCodecs;
import org.micronet.ingest.source.ClassIndex;
import org.micronet.ingest.source.Layout;
import org.micronet.ingest.source.SourceListing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The ingest: lists an ILSVRC or WebDataset input on any Hadoop filesystem, prepares every image
 * on the executors into WebDataset training shards, and publishes shards, manifest.json and
 * classes.tsv by renaming a staging folder. Re-running over a published output does nothing
 * unless overwriting; a run interrupted before publishing resumes from its finished shards.
 */
public final class IngestJob {
    private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private IngestJob() {
    }

    /** For spark-submit: the same options as {@code bin/micronet ingest}. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new IngestCommand()).execute(args));
    }

    public static IngestResult run(IngestOptions options, JavaSparkContext sc) throws IOException {
        options.validate();
        long start = System.nanoTime();
        Configuration conf = sc.hadoopConfiguration();
        Path input = qualify(options.input, conf);
        Path output = qualify(options.output, conf);
        FileSystem outFs = output.getFileSystem(conf);
        Path manifestPath = new Path(output, OutputLayout.MANIFEST);
        if (outFs.exists(output) && !options.overwrite) {
            if (outFs.exists(manifestPath)) {
                LOG.info("{} already holds a finished ingest; nothing to do (--overwrite redoes it)", output);
                return new IngestResult(Manifest.read(outFs, manifestPath), true, 0, 0);
            }
            throw new IngestException("output " + output + " exists but holds no " + OutputLayout.MANIFEST
                    + ", so it is not a finished ingest; choose another output or pass --overwrite to replace it");
        }

        FileSystem inFs = input.getFileSystem(conf);
        Layout layout = options.layout != null ? options.layout : Layout.detect(inFs, input);
        LOG.info("ingest: listing {} as {}", input, layout);
        SourceListing listing = layout.open(inFs, input).list();
        if (listing.samples().isEmpty() && listing.rejected().isEmpty()) {
            throw new IngestException("no images found in " + input + " (layout " + layout + ")");
        }
        listing.consistencyNotes().forEach(note -> LOG.warn("ingest: {}", note));
        List<ShardPlan> plans = ShardPlanner.plan(listing.samples(), options.shardSize, options.seed);
        Path staging = OutputLayout.staging(output);
        prepareStaging(outFs, staging, ShardPlanner.fingerprint(options, layout.name(), listing.classes(), plans));

        List<ShardPlan> pending = new ArrayList<>();
        for (ShardPlan plan : plans) {
            if (!outFs.exists(OutputLayout.shardResult(staging, plan))) pending.add(plan);
        }
        int resumed = plans.size() - pending.size();
        long pendingImages = pending.stream().mapToLong(p -> p.samples().size()).sum();
        LOG.info("ingest: {} images in {} shards of up to {}, {} rejected while listing; {} shards to write{}",
                listing.samples().size(), plans.size(), options.shardSize, listing.rejected().size(), pending.size(),
                resumed > 0 ? ", " + resumed + " kept from an interrupted run" : "");
        if (!pending.isEmpty()) {
            LongAccumulator accepted = sc.sc().longAccumulator("ingest.accepted");
            LongAccumulator rejected = sc.sc().longAccumulator("ingest.rejected");
            ShardWriter writer = new ShardWriter(new SerializableHadoopConf(conf), staging, options,
                    listing.classes().size(), accepted, rejected);
            int slices = options.partitions > 0 ? Math.min(options.partitions, pending.size()) : pending.size();
            try (ProgressReporter ignored = new ProgressReporter("ingest", pendingImages, accepted, rejected, options.progressSeconds)) {
                sc.parallelize(pending, slices).foreach(writer::write);
            }
        }

        Manifest manifest = assemble(options, listing, plans, readResults(outFs, staging, plans), input);
        manifest.seconds = Math.round((System.nanoTime() - start) / 1e7) / 100.0;
        manifest.write(outFs, new Path(staging, OutputLayout.MANIFEST));
        writeText(outFs, new Path(staging, OutputLayout.CLASSES), manifest.classesTsv());
        long rejectedCount = manifest.rejected.size();
        if (manifest.rejectFraction > options.maxRejectFraction) {
            throw new IngestException(String.format("ingest of %s rejected %d of %d inputs (%.2f%%), more than"
                            + " --max-reject-fraction %s; first rejects: %s; the full list is in %s; nothing was published to %s",
                    input, rejectedCount, manifest.images + rejectedCount, 100 * manifest.rejectFraction,
                    options.maxRejectFraction, manifest.rejected.stream().limit(5)
                            .map(r -> r.file() + " (" + r.reason() + ")").collect(Collectors.joining(", ")),
                    new Path(staging, OutputLayout.MANIFEST), output));
        }
        publish(outFs, staging, output, options.overwrite);
        LOG.info("ingest: published {}: {} images {} in {} shards, {} rejected, {} converted, {} s",
                output, manifest.images, manifest.imagesPerSplit, manifest.shards.size(), rejectedCount,
                manifest.converted.size(), manifest.seconds);
        return new IngestResult(manifest, false, pending.size(), resumed);
    }

    private static Path qualify(String uri, Configuration conf) throws IOException {
        Path path = new Path(uri);
        return path.getFileSystem(conf).makeQualified(path);
    }

    /** Keeps a staging folder left by an interrupted run of the same plan; anything else there is stale. */
    private static void prepareStaging(FileSystem fs, Path staging, String fingerprint) throws IOException {
        Path fingerprintPath = OutputLayout.planFingerprint(staging);
        if (fs.exists(staging)) {
            String previous = fs.exists(fingerprintPath) ? readText(fs, fingerprintPath).trim() : "";
            if (previous.equals(fingerprint)) {
                LOG.info("ingest: resuming the interrupted run in {}", staging);
                return;
            }
            LOG.warn("ingest: discarding {}: it was left by a run with other input or settings", staging);
            fs.delete(staging, true);
        }
        fs.mkdirs(OutputLayout.bookkeeping(staging));
        writeText(fs, fingerprintPath, fingerprint + "\n");
    }

    private static List<ShardResult> readResults(FileSystem fs, Path staging, List<ShardPlan> plans) throws IOException {
        List<ShardResult> results = new ArrayList<>();
        for (ShardPlan plan : plans) {
            Path path = OutputLayout.shardResult(staging, plan);
            if (!fs.exists(path)) {
                throw new IngestException("shard " + plan.file() + " has no result at " + path + " although its task finished");
            }
            try (InputStream in = fs.open(path)) {
                results.add(JSON.readValue(in, ShardResult.class));
            }
        }
        return results;
    }

    private static Manifest assemble(IngestOptions o, SourceListing listing, List<ShardPlan> plans,
                                     List<ShardResult> results, Path input) {
        Manifest m = new Manifest();
        ClassIndex classes = listing.classes();
        for (ShardPlan p : plans) m.imagesPerSplit.putIfAbsent(p.split(), 0L);
        long[][] counts = new long[m.imagesPerSplit.size()][classes.size()];
        List<String> splits = new ArrayList<>(m.imagesPerSplit.keySet());
        m.rejected.addAll(listing.rejected());
        for (ShardResult r : results) {
            Manifest.Shard shard = new Manifest.Shard();
            shard.split = r.split();
            shard.file = r.file();
            shard.images = r.images();
            shard.bytes = r.bytes();
            m.shards.add(shard);
            m.images += r.images();
            m.imagesPerSplit.merge(r.split(), (long) r.images(), Long::sum);
            int s = splits.indexOf(r.split());
            for (int c = 0; c < classes.size(); c++) counts[s][c] += r.classCounts()[c];
            m.rejected.addAll(r.rejected());
            m.converted.addAll(r.converted());
        }
        for (int c = 0; c < classes.size(); c++) {
            Manifest.ClassEntry e = new Manifest.ClassEntry();
            e.index = c;
            e.wnid = classes.id(c);
            e.name = classes.name(c);
            for (int s = 0; s < splits.size(); s++) e.images.put(splits.get(s), counts[s][c]);
            m.classes.add(e);
        }
        m.rejected.sort(Comparator.comparing(Rejection::file));
        m.converted.sort(Comparator.comparing(Conversion::file));
        m.rejectFraction = m.rejected.isEmpty() ? 0 : (double) m.rejected.size() / (m.images + m.rejected.size());
        m.consistency = listing.consistencyNotes();
        m.source = new Manifest.Source();
        m.source.input = input.toString();
        m.source.layout = listing.layout().name().toLowerCase(java.util.Locale.ROOT);
        m.settings.put("shortSide", o.shortSide);
        m.settings.put("upscale", o.upscale);
        m.settings.put("jpegQuality", o.jpegQuality);
        m.settings.put("shardSize", o.shardSize);
        m.settings.put("seed", o.seed);
        m.settings.put("maxRejectFraction", o.maxRejectFraction);
        m.decoder = ImageCodecs.get().primary().name();
        m.createdAt = Instant.now().toString();
        return m;
    }

    private static void publish(FileSystem fs, Path staging, Path output, boolean overwrite) throws IOException {
        fs.delete(OutputLayout.bookkeeping(staging), true);
        if (overwrite && fs.exists(output)) {
            fs.delete(output, true);
        }
        ShardWriter.rename(fs, staging, output);
    }

    private static void writeText(FileSystem fs, Path path, String text) throws IOException {
        Path partial = new Path(path.getParent(), "." + path.getName() + ".partial");
        try (OutputStream out = fs.create(partial, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        fs.delete(path, false);
        ShardWriter.rename(fs, partial, path);
    }

    private static String readText(FileSystem fs, Path path) throws IOException {
        try (InputStream in = fs.open(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
