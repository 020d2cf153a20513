package org.micronet.trainer;

import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A driver killed with SIGKILL in the middle of an epoch, as an OOM killer or a lost node would:
 * the run resumes from its last in-epoch checkpoint and ends with the weights of a run that was
 * never interrupted. The killed driver is a real {@code micronet train} process.
 */
class DriverKillTest {

    @Test
    void aKilledDriverResumesToTheWeightsOfAnUninterruptedRun(@TempDir Path tmp) throws Exception {
        try (JavaSparkContext sc = SparkContexts.create("driver-kill-test", "local[2]")) {
            String shards = Repo.ingestSample(sc, tmp.resolve("shards"));
            List<String> recipe = List.of("data.train=" + shards, "batchSizePerWorker=20", "warmupEpochs=0", "epochs=2",
                    "progress.everyRounds=1", "checkpoints.everyMinutes=0");

            Process driver = train(tmp, recipe, "killed");
            Path checkpoints = tmp.resolve("killed/run/checkpoints");
            Path target = checkpoints.resolve("epoch-0001-batch-000002");  // two rounds into the second epoch
            for (int i = 0; i < 600 && !Files.exists(target); i++) {
                assertTrue(driver.isAlive(), "the driver ended before the checkpoint: " + Files.readString(tmp.resolve("killed.log")));
                Thread.sleep(200);
            }
            assertTrue(Files.exists(target), "no checkpoint " + target + ":\n" + Files.readString(tmp.resolve("killed.log")));
            driver.destroyForcibly();  // SIGKILL: no shutdown hook, no cleanup
            assertTrue(driver.waitFor(30, TimeUnit.SECONDS));
            assertFalse(Files.exists(tmp.resolve("killed/run/" + Trainer.SUCCESS)), "killed before the end");

            Trainer.Result resumed = new Trainer(sc, config(recipe, tmp, "killed"), false).run(true);
            Trainer.Result whole = new Trainer(sc, config(recipe, tmp, "whole"), false).run(false);
            assertEquals(learning(whole), learning(resumed));
            INDArray a = Exporter.load(whole.export(), sc.hadoopConfiguration()).params();
            ComputationGraph b = Exporter.load(resumed.export(), sc.hadoopConfiguration());
            assertEquals(a, b.params(), "the resumed run's weights");
        }
    }

    /** What each epoch learned, without its timings. */
    private static List<List<Object>> learning(Trainer.Result r) {
        return r.metrics().stream().map(m -> List.<Object>of(m.epoch(), m.iteration(), m.lr(), m.trainLoss(), m.valLoss(),
                m.top1(), m.top5())).toList();
    }

    private static RunConfig config(List<String> recipe, Path tmp, String name) throws Exception {
        List<String> sets = new ArrayList<>(recipe);
        sets.addAll(List.of("output=" + tmp.resolve(name + "/run"), "export=" + tmp.resolve(name + "/export")));
        return RunConfigLoader.load(Repo.root().resolve("configs/runs/quickstart.yaml"), sets);
    }

    /** {@code micronet train} in its own JVM, on this test's classpath, local[2]. */
    private static Process train(Path tmp, List<String> recipe, String name) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx3g"));
        cmd.addAll(Files.readAllLines(Repo.root().resolve("deploy/java17-add-opens.conf")).stream()
                .filter(l -> !l.isBlank()).toList());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.micronet.cli.MicronetCli", "train",
                "--config", Repo.root().resolve("configs/runs/quickstart.yaml").toString(), "--master", "local[2]"));
        for (String s : recipe) {
            cmd.addAll(List.of("--set", s));
        }
        cmd.addAll(List.of("--set", "output=" + tmp.resolve(name + "/run"), "--set", "export=" + tmp.resolve(name + "/export")));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile()).start();
    }
}
