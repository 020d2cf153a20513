package org.micronet.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.util.LongAccumulator;
import org.micronet.ingest.image.ImageCodecs;
import org.micronet.ingest.image.ImagePreparer;
import org.micronet.ingest.image.ImageRejectedException;
import org.micronet.ingest.source.SampleRef;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Runs on the executors: turns one {@link ShardPlan} into a WebDataset tar of
 * &lt;key&gt;.jpg + &lt;key&gt;.cls members. The tar is written under a temporary name and renamed;
 * its {@link ShardResult} is written (also by rename) only after that, and marks the shard done.
 */
final class ShardWriter implements Serializable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SerializableHadoopConf conf;
    private final String staging;
    private final int shortSide;
    private final boolean upscale;
    private final int jpegQuality;
    private final int numClasses;
    private final LongAccumulator accepted;
    private final LongAccumulator rejected;

    ShardWriter(SerializableHadoopConf conf, Path staging, IngestOptions options, int numClasses,
                LongAccumulator accepted, LongAccumulator rejected) {
        this.conf = conf;
        this.staging = staging.toString();
        this.shortSide = options.shortSide;
        this.upscale = options.upscale;
        this.jpegQuality = options.jpegQuality;
        this.numClasses = numClasses;
        this.accepted = accepted;
        this.rejected = rejected;
    }

    void write(ShardPlan plan) throws IOException {
        Path root = new Path(staging);
        FileSystem fs = root.getFileSystem(conf.get());
        Path resultPath = OutputLayout.shardResult(root, plan);
        if (fs.exists(resultPath)) {
            return;
        }
        ImagePreparer preparer = new ImagePreparer(shortSide, upscale, jpegQuality, ImageCodecs.get());
        Path tarPath = new Path(root, plan.file());
        Path partial = new Path(tarPath.getParent(), "." + tarPath.getName() + "." + UUID.randomUUID() + ".partial");
        int[] classCounts = new int[numClasses];
        List<Rejection> rejects = new ArrayList<>();
        List<Conversion> conversions = new ArrayList<>();
        int images = 0;
        try (FSDataOutputStream out = fs.create(partial, false);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TaskContext task = TaskContext.get();
            for (SampleRef ref : plan.samples()) {
                // a cancelled job's tasks keep running unless they look
                task.killTaskIfInterrupted();
                ImagePreparer.Prepared prepared;
                try {
                    prepared = preparer.prepare(ref.read(fs), ref.file());
                } catch (ImageRejectedException e) {
                    rejects.add(new Rejection(ref.file(), e.getMessage()));
                    continue;
                } catch (IOException | RuntimeException e) {
                    rejects.add(new Rejection(ref.file(), "could not read or decode: " + e));
                    continue;
                }
                put(tar, ref.key() + ".jpg", prepared.jpeg());
                put(tar, ref.key() + ".cls", Integer.toString(ref.label()).getBytes(StandardCharsets.US_ASCII));
                for (String c : prepared.conversions()) {
                    conversions.add(new Conversion(ref.file(), c));
                }
                classCounts[ref.label()]++;
                images++;
            }
        }
        if (fs.exists(tarPath)) {
            fs.delete(tarPath, false);
        }
        rename(fs, partial, tarPath);
        ShardResult result = new ShardResult(plan.split(), plan.file(), images, fs.getFileStatus(tarPath).getLen(),
                classCounts, rejects, conversions);
        Path resultPartial = new Path(resultPath.getParent(), "." + resultPath.getName() + "." + UUID.randomUUID() + ".partial");
        try (OutputStream out = fs.create(resultPartial, false)) {
            JSON.writeValue(out, result);
        }
        rename(fs, resultPartial, resultPath);
        accepted.add(images);
        rejected.add(rejects.size());
    }

    private static void put(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(data.length);
        tar.putArchiveEntry(entry);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("could not rename " + from + " to " + to);
        }
    }
}
