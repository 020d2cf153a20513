package org.micronet.sweep;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.micronet.ingest.IngestJob;
import org.micronet.ingest.IngestOptions;
import org.micronet.trainer.SparkContexts;
import org.micronet.trainer.Trainer;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tiny real sweep on Spark local[2] (M0 and MobileNetV3-Small 0.15 at 32x32 on the bundled
 * sample, 2 epochs of 3 iterations, plus a run with an invalid dropout). Its output stays in
 * {@code spark-trainer/target/ci-sweep} for {@code notebooks/ci.sh}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SweepRunnerTest {
    static final Path OUT = SweepRepo.root().resolve("spark-trainer/target/ci-sweep");
    private static final String M0 = "model=m0+dropout=0.05";
    private static final String BAD = "model=m0+dropout=1.5";
    private static final String MOBILENET = "model=mobilenetv3-small-0.15+dropout=0.1";
    private JavaSparkContext sc;
    private SweepPlan plan;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        deleteTree(OUT);
        sc = SparkContexts.create("sweep-test", "local[2]");
        String shards = tmp.resolve("shards").toString();
        IngestOptions ingest = new IngestOptions(SweepRepo.root().resolve("data/sample/fashion-mnist-ilsvrc").toString(), shards);
        ingest.shortSide = 36;
        IngestJob.run(ingest, sc);
        Path yaml = tmp.resolve("ci.yaml");
        Files.writeString(yaml, """
                # the CI sweep: two models that train and one invalid value
                run: %s
                output: %s
                set: {epochs: 2, batchSizePerWorker: 50, checkpoints.keep: 2}
                latency: true
                zip:
                  - model: [m0, m0, mobilenetv3-small-0.15]
                    dropout: [0.05, 1.5, 0.1]
                """.formatted(SweepRepo.root().resolve("configs/runs/quickstart.yaml"), OUT));
        plan = SweepPlan.of(yaml, List.of("data.train=" + shards), null);
    }

    @AfterAll
    void stop() {
        sc.close();
    }

    private List<SweepRunner.Outcome> sweep() throws Exception {
        return new SweepRunner(plan, sc.hadoopConfiguration(), new InProcessLauncher(sc)).run().stream()
                .map(SweepRunner.RunOutcome::outcome).toList();
    }

    @Test
    @Order(1)
    void runsSummarisesSkipsFinishedRunsAndResumesAnInterruptedOne() throws Exception {
        assertEquals(List.of(SweepRunner.Outcome.TRAINED, SweepRunner.Outcome.FAILED, SweepRunner.Outcome.TRAINED), sweep());
        List<String> csv = Files.readAllLines(OUT.resolve(SweepSummary.CSV));
        assertEquals(4, csv.size(), "a header and one row per run: " + csv);
        List<String> header = List.of(csv.get(0).split(","));
        assertEquals(List.of("run", "status", "model", "dropout", "model_name", "params", "madds", "best_top1", "best_top5",
                "final_top1", "final_top5", "epochs", "images_per_sec", "wall_seconds", "latency_ms", "paper_top1", "error"),
                header);
        for (int i : new int[]{1, 3}) {
            String[] row = csv.get(i).split(",", -1);
            assertEquals("finished", row[1], csv.get(i));
            assertTrue(Long.parseLong(row[5]) > 10_000 && Long.parseLong(row[6]) > 10_000, "params and MAdds: " + csv.get(i));
            for (int c : new int[]{7, 8, 9, 10}) {
                double acc = Double.parseDouble(row[c]);
                assertTrue(acc >= 0 && acc <= 1, header.get(c) + " " + acc);
            }
            assertEquals("2", row[11]);
            for (int c : new int[]{12, 13, 14}) {
                assertTrue(Double.parseDouble(row[c]) > 0, header.get(c) + ": " + csv.get(i));
            }
            assertEquals("", row[16]);
        }
        assertTrue(csv.get(2).startsWith(BAD + ",failed,m0,1.5,,"), csv.get(2));
        assertTrue(csv.get(2).contains("dropout = 1.5 (expected in [0, 1))"), csv.get(2));
        assertTrue(Files.readString(OUT.resolve(SweepSummary.MARKDOWN)).contains("| " + MOBILENET + " | finished |"));
        assertTrue(Files.exists(OUT.resolve(M0).resolve(Trainer.CONFIG)), "the resolved config is in the run's folder");

        FileTime m0Metrics = Files.getLastModifiedTime(OUT.resolve(M0).resolve("metrics.jsonl"));
        assertEquals(List.of(SweepRunner.Outcome.SKIPPED, SweepRunner.Outcome.FAILED, SweepRunner.Outcome.SKIPPED), sweep(),
                "finished runs are skipped; the failed one is tried again");
        assertEquals(m0Metrics, Files.getLastModifiedTime(OUT.resolve(M0).resolve("metrics.jsonl")));

        // as if the job died during M0's second epoch
        Files.delete(OUT.resolve(M0).resolve(Trainer.SUCCESS));
        deleteTree(OUT.resolve(M0).resolve("checkpoints/epoch-0001"));
        FileTime mobilenetMetrics = Files.getLastModifiedTime(OUT.resolve(MOBILENET).resolve("metrics.jsonl"));
        assertEquals(List.of(SweepRunner.Outcome.RESUMED, SweepRunner.Outcome.FAILED, SweepRunner.Outcome.SKIPPED), sweep());
        assertTrue(Files.exists(OUT.resolve(M0).resolve(Trainer.SUCCESS)));
        assertEquals(2, Files.readAllLines(OUT.resolve(M0).resolve("metrics.jsonl")).size(), "epoch 2 redone, epoch 1 kept");
        assertEquals(mobilenetMetrics, Files.getLastModifiedTime(OUT.resolve(MOBILENET).resolve("metrics.jsonl")));
        assertEquals(2, SweepPlan.JSON.readTree(OUT.resolve(M0).resolve(RunStatus.FILE).toFile()).get("attempts").asInt());
    }

    @Test
    @Order(2)
    void statusListAndReportCommands() throws Exception {
        String status = cli("sweep", "--status", OUT.toString());
        assertTrue(status.startsWith("| run | status | model | dropout |"), status);
        assertEquals(5, status.lines().count(), status);

        String html = cli("report", OUT.toString());
        assertTrue(html.contains("report: "), html);
        String page = Files.readString(OUT.resolve("report.html"));
        assertTrue(page.contains("data:image/png;base64,"), "figures are inlined");
        assertEquals(5, page.split("<img ", -1).length - 1, "Figure 1, Figure 5 and three training curves");
        assertTrue(page.contains(MOBILENET) && page.contains("Ablation (paper layout)"));
        assertFalse(page.contains("src=\"http"), "nothing is fetched");

        String listed = cli("sweep", "--config", plan.source(), "--set", "data.train=x", "--list");
        assertTrue(listed.contains("3 runs in " + OUT) && listed.contains(BAD + "\tmodel=m0 dropout=1.5"), listed);
    }

    /** Runs a package-private command of org.micronet.cli as bin/micronet would and returns its output. */
    private static String cli(String command, String... args) throws Exception {
        String name = "org.micronet.cli." + Character.toUpperCase(command.charAt(0)) + command.substring(1) + "Command";
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        int rc;
        try {
            rc = new CommandLine(Class.forName(name)).execute(args);
        } finally {
            System.setOut(stdout);
        }
        assertEquals(0, rc, out.toString());
        return out.toString();
    }

    private static void deleteTree(Path p) throws Exception {
        if (Files.exists(p)) {
            try (Stream<Path> s = Files.walk(p)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        assertFalse(Files.exists(p));
    }
}
