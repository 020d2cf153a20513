package org.micronet.ingest;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end ingest on local files with Spark local[2]: the bundled sample, no-op, overwrite, resume. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestLocalTest {
    private JavaSparkContext sc;
    private FileSystem fs;
    @TempDir
    java.nio.file.Path tmp;

    @BeforeAll
    void start() throws IOException {
        sc = SparkTests.localContext("IngestLocalTest");
        fs = FileSystem.getLocal(sc.hadoopConfiguration());
    }

    @AfterAll
    void stop() {
        sc.stop();
    }

    private IngestOptions options(String output, int shardSize) {
        IngestOptions o = new IngestOptions(TestData.sample().toString(), tmp.resolve(output).toString());
        o.shardSize = shardSize;
        return o;
    }

    @Test
    void bundledSampleGivesExactCountsAndLabels() throws IOException {
        IngestResult result = IngestJob.run(options("sample-out", 64), sc);
        Manifest m = result.manifest();
        assertEquals(400, m.images);
        assertEquals(Map.of("train", 300L, "val", 100L), m.imagesPerSplit);
        assertEquals(10, m.classes.size());
        for (int c = 0; c < 10; c++) {
            assertEquals("n9000000" + c, m.classes.get(c).wnid);
            assertEquals(Map.of("train", 30L, "val", 10L), m.classes.get(c).images);
        }
        assertEquals("T-shirt/top", m.classes.get(0).name);
        assertEquals("Ankle boot", m.classes.get(9).name);
        assertEquals(List.of(), m.rejected);
        assertEquals(List.of(), m.converted);
        assertEquals(5, m.shardFiles("train").size());
        assertEquals(2, m.shardFiles("val").size());
        assertEquals("ilsvrc", m.source.layout);

        Path out = new Path(tmp.resolve("sample-out").toUri());
        Map<String, Integer> train = ShardContents.labels(fs, out, "train");
        assertEquals(300, train.size());
        assertEquals(3, train.get("n90000003/n90000003_7"));
        assertEquals(9, train.get("n90000009/n90000009_30"));
        assertEquals(valLabelsFromCsv(), ShardContents.labels(fs, out, "val"));
        List<String> tsv = Files.readAllLines(tmp.resolve("sample-out/classes.tsv"));
        assertEquals("index\twnid\tname\ttrain\tval", tsv.get(0));
        assertEquals("3\tn90000003\tDress\t30\t10", tsv.get(4));
        assertFalse(Files.exists(tmp.resolve(".sample-out.ingest-tmp")), "staging folder left behind");
    }

    /** The val labels exactly as LOC_val_solution.csv gives them, as class indices. */
    static Map<String, Integer> valLabelsFromCsv() throws IOException {
        Map<String, Integer> labels = new HashMap<>();
        List<String> lines = Files.readAllLines(TestData.sample().resolve("LOC_val_solution.csv"), StandardCharsets.UTF_8);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            labels.put(f[0], Integer.parseInt(f[1].trim().split(" ")[0].substring("n9000000".length())));
        }
        assertEquals(100, labels.size());
        return labels;
    }

    @Test
    void rerunIsNoOpUnlessOverwrite() throws IOException {
        IngestJob.run(options("rerun-out", 100), sc);
        java.nio.file.Path manifest = tmp.resolve("rerun-out/manifest.json");
        long written = Files.getLastModifiedTime(manifest).toMillis();

        IngestResult again = IngestJob.run(options("rerun-out", 100), sc);
        assertTrue(again.alreadyDone());
        assertEquals(0, again.shardsWritten());
        assertEquals(written, Files.getLastModifiedTime(manifest).toMillis());

        IngestOptions overwrite = options("rerun-out", 100);
        overwrite.overwrite = true;
        IngestResult redone = IngestJob.run(overwrite, sc);
        assertFalse(redone.alreadyDone());
        assertEquals(4, redone.shardsWritten());
        assertEquals(400, redone.manifest().images);
    }

    @Test
    void outputThatIsNotAnIngestIsRefused() throws IOException {
        Files.createDirectories(tmp.resolve("foreign"));
        IngestException e = assertThrows(IngestException.class, () -> IngestJob.run(options("foreign", 100), sc));
        assertTrue(e.getMessage().contains("holds no manifest.json"), e.getMessage());
    }

    @Test
    void interruptedRunResumesFromFinishedShards() throws Exception {
        IngestOptions o = options("resume-out", 10);
        AtomicInteger ended = new AtomicInteger();
        SparkListener interrupt = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
                if (ended.incrementAndGet() == 4) {
                    sc.cancelAllJobs();
                }
            }
        };
        sc.sc().addSparkListener(interrupt);
        try {
            assertThrows(Exception.class, () -> IngestJob.run(o, sc));
        } finally {
            sc.sc().removeSparkListener(interrupt);
        }
        java.nio.file.Path bookkeeping = tmp.resolve(".resume-out.ingest-tmp/_ingest");
        // tasks already running when the job was cancelled may still finish their shard
        List<java.nio.file.Path> done = finishedShards(bookkeeping);
        for (int before = -1; before != done.size(); done = finishedShards(bookkeeping)) {
            before = done.size();
            Thread.sleep(500);
        }
        assertTrue(done.size() >= 4 && done.size() < 40, "finished shards before the interruption: " + done.size());
        assertFalse(Files.exists(tmp.resolve("resume-out")));

        IngestResult resumed = IngestJob.run(o, sc);
        assertEquals(done.size(), resumed.shardsResumed());
        assertEquals(40 - done.size(), resumed.shardsWritten());
        assertEquals(400, resumed.manifest().images);
        assertEquals(40, resumed.manifest().shards.size());
        assertEquals(valLabelsFromCsv(), ShardContents.labels(fs, new Path(tmp.resolve("resume-out").toUri()), "val"));
    }

    private static List<java.nio.file.Path> finishedShards(java.nio.file.Path bookkeeping) throws IOException {
        List<java.nio.file.Path> done = new ArrayList<>();
        try (var files = Files.list(bookkeeping)) {
            files.filter(p -> p.getFileName().toString().endsWith(".tar.json")).forEach(done::add);
        }
        return done;
    }
}
