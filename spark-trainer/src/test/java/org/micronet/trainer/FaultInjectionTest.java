package org.micronet.trainer;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.micronet.config.ConfigException;
import org.micronet.ingest.DataException;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults injected on purpose into real runs on Spark local[2] (the bundled sample, M0 at 32x32):
 * what fails must fail before the long work with the culprit named, and what was kept must be
 * enough to go on. Killed drivers and executors are in {@link DriverKillTest} and
 * {@link StandaloneClusterTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultInjectionTest {
    private JavaSparkContext sc;
    private Path dir;
    private String shards;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        sc = SparkContexts.create("fault-injection-test", "local[2]");
        shards = Repo.ingestSample(sc, tmp.resolve("shards"));
    }

    @AfterAll
    void stop() {
        sc.close();
    }

    /** One epoch of the sample, unless {@code sets} say otherwise. */
    private RunConfig config(String name, String... sets) {
        List<String> all = new ArrayList<>(List.of("epochs=1"));
        all.addAll(List.of(sets));
        return Repo.sampleRun(dir, shards, name, all.toArray(String[]::new));
    }

    /** Raw images, so that a check that came after the ingest would leave an ingest folder behind. */
    private String raw() {
        return Repo.sample().toString();
    }

    @Test
    void anUnwritableExportFailsBeforeTheIngestAndLeavesNoConfig() throws Exception {
        RunConfig cfg = config("export-unwritable", "data.train=" + raw(), "export=/proc/micronet-export/m0");
        ConfigException e = assertThrows(ConfigException.class, () -> new Trainer(sc, cfg, false).run(false));
        assertTrue(e.getMessage().contains("export") && e.getMessage().contains("/proc/micronet-export is not writable"),
                e.getMessage());
        assertNothingStarted("export-unwritable");
    }

    @Test
    void aModelErrorNamesTheFileAndTheBlockRowBeforeTheIngest() throws Exception {
        Path bad = dir.resolve("m0-shuffle-3.yaml");
        // row 1's g2 = 3: the shuffle after its first layer needs 3 to divide 16 channels
        Files.writeString(bad, Files.readString(Repo.root().resolve("configs/models/m0.yaml"))
                .replace("- [2,   8, 3, 2, 2,  0,  4,  2,  2, 2, 0, 1, 1]", "- [2,   8, 3, 2, 2,  0,  3,  2,  2, 2, 0, 1, 1]"));
        RunConfig cfg = config("bad-model", "data.train=" + raw(), "model=" + bad);
        ConfigException e = assertThrows(ConfigException.class, () -> new Trainer(sc, cfg, false).run(false));
        assertTrue(e.getMessage().startsWith("model " + bad + ": blocks[0] (features.1, row [2, 8, 3, 2, 2, 0, 3, 2, 2,")
                && e.getMessage().contains("shuffle groups 3 must divide the channel count 16"), e.getMessage());
        assertNothingStarted("bad-model");
    }

    @Test
    void aFailedStartDoesNotBlockTheCorrectedCommand() throws Exception {
        RunConfig missing = config("corrected", "data.train=" + dir.resolve("no-such-images"));
        DataException e = assertThrows(DataException.class, () -> new Trainer(sc, missing, false).run(false));
        assertTrue(e.getMessage().contains("data.train: " + dir.resolve("no-such-images") + " does not exist"), e.getMessage());
        assertNothingStarted("corrected");

        Trainer.Result result = new Trainer(sc, config("corrected"), false).run(false);
        assertEquals(1, result.metrics().size());
    }

    @Test
    void resumeFallsBackFromACorruptLatestCheckpoint() throws Exception {
        new Trainer(sc, config("corrupt", "epochs=2", "checkpoints.keep=3"), false).run(false);
        Path checkpoints = dir.resolve("corrupt/run/checkpoints");
        truncate(checkpoints.resolve("epoch-0001/model.zip"));

        Trainer.Result resumed = new Trainer(sc, config("corrupt", "epochs=3", "checkpoints.keep=3"), true).run(true);
        assertEquals(List.of(0, 1, 2), resumed.metrics().stream().map(EpochMetrics::epoch).toList());
        assertTrue(Files.exists(checkpoints.resolve("epoch-0001.corrupt")), "the corrupt checkpoint is kept aside");
        assertTrue(Files.exists(checkpoints.resolve("epoch-0001")), "epoch 2 is redone from epoch 1's checkpoint");

        // as on HDFS or S3: no .crc and, as from an older version, no checksum; the zip itself is broken
        Path latest = checkpoints.resolve("epoch-0002");
        truncate(latest.resolve("model.zip"));
        Files.delete(latest.resolve(Checkpoints.CHECKSUM));
        try (Stream<Path> crc = Files.list(latest)) {
            for (Path f : crc.filter(f -> f.getFileName().toString().endsWith(".crc")).toList()) {
                Files.delete(f);
            }
        }
        Trainer.Result again = new Trainer(sc, config("corrupt", "epochs=4", "checkpoints.keep=3"), true).run(true);
        assertEquals(List.of(0, 1, 2, 3), again.metrics().stream().map(EpochMetrics::epoch).toList());
        assertTrue(Files.exists(checkpoints.resolve("epoch-0002.corrupt")));
    }

    @Test
    void resumeFinishesARunWhoseExportIsItsOwnAndClearsStaging() throws Exception {
        RunConfig cfg = config("own-export");
        new Trainer(sc, cfg, false).run(false);
        Path run = dir.resolve("own-export/run");
        // killed after the export was published, before _SUCCESS; killed writes left staging behind
        Files.delete(run.resolve(Trainer.SUCCESS));
        List<Path> staging = List.of(run.resolve(".metrics.csv.tmp-" + UUID.randomUUID()),
                run.resolve("checkpoints/.epoch-0001.tmp-" + UUID.randomUUID()),
                dir.resolve("own-export/.export.tmp-" + UUID.randomUUID()));
        for (Path p : staging) {
            Files.createDirectories(p);
        }
        new Trainer(sc, cfg, false).run(true);
        assertTrue(Files.exists(run.resolve(Trainer.SUCCESS)));
        for (Path p : staging) {
            assertFalse(Files.exists(p), p + " removed");
        }

        RunConfig other = config("other-run", "export=" + dir.resolve("own-export/export"));
        ConfigException e = assertThrows(ConfigException.class, () -> new Trainer(sc, other, false).run(false));
        assertTrue(e.getMessage().contains("already exists; pass --overwrite"), e.getMessage());
    }

    @Test
    void theStallGuardCancelsAJobThatMakesNoProgress() {
        try (StallGuard guard = new StallGuard(sc, Duration.ofSeconds(2), "advice")) {
            TrainingStalledException e = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThrows(
                    TrainingStalledException.class, () -> guard.run("a hung job", () -> sc.parallelize(List.of(1, 2), 2)
                            .map(i -> {
                                Thread.sleep(120_000);
                                return i;
                            }).collect())));
            assertTrue(e.getMessage().startsWith("a hung job: no Spark task has started or finished for"), e.getMessage());
            assertTrue(e.getMessage().endsWith("stopped. advice"), e.getMessage());
            // the context is usable again: a later job of the same run is not cancelled
            assertEquals(List.of(1, 2), guard.run("a quick job", () -> sc.parallelize(List.of(1, 2), 2).collect()));
        }
    }

    private void assertNothingStarted(String name) throws Exception {
        Path run = dir.resolve(name + "/run");
        assertFalse(Files.exists(run.resolve(Trainer.CONFIG)), "no config.yaml in " + run);
        assertFalse(Files.exists(run.resolve("ingest")), "no ingest in " + run);
    }

    private static void truncate(Path file) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
    }
}
