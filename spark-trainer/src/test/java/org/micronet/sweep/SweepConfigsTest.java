package org.micronet.sweep;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.models.Models;
import org.micronet.trainer.RunConfig;
import org.micronet.trainer.RunConfigLoader;
import org.micronet.trainer.RunStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every sweep under configs/sweeps/ expands, and every run's config and model resolve. */
class SweepConfigsTest {
    private static final Pattern MICRONET = Pattern.compile("m([0-3])(-sharp)?");

    static Stream<Path> sweeps() throws Exception {
        try (Stream<Path> s = Files.list(SweepRepo.root().resolve("configs/sweeps"))) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    /** The paper's sweeps (Tables 2-7), on ImageNet; each has a {@code -quick} variant on the bundled sample. */
    static Stream<Path> paperSweeps() throws Exception {
        return sweeps().filter(p -> p.getFileName().toString().startsWith("table")
                && !p.getFileName().toString().endsWith("-quick.yaml"));
    }

    static Stream<Path> quickSweeps() throws Exception {
        return sweeps().filter(p -> p.getFileName().toString().endsWith("-quick.yaml"));
    }

    private static List<RunConfig> resolve(SweepPlan plan, Path tmp) throws Exception {
        List<RunConfig> configs = new ArrayList<>();
        for (SweepRun run : plan.runs()) {
            configs.add(plan.resolve(run, new RunStore(tmp.resolve(run.name()).toString(), new Configuration())));
        }
        return configs;
    }

    @ParameterizedTest
    @MethodSource("sweeps")
    void resolves(Path sweep, @TempDir Path tmp) throws Exception {
        SweepPlan plan = SweepPlan.of(sweep, List.of(), tmp.toString());
        String name = sweep.getFileName().toString();
        assertFalse(plan.runs().isEmpty());
        if (name.startsWith("table")) {
            assertTrue(Files.readString(sweep).startsWith("# Table") || Files.readString(sweep).startsWith("# table"),
                    name + " names the rows it reproduces");
            assertTrue(plan.runs().size() > 1, name);
        }
        for (RunConfig cfg : resolve(plan, tmp)) {
            Models.resolve(cfg.model());
        }
    }

    /**
     * Paper sweeps start from an ImageNet run config, and every run trains with its model's released
     * recipe as configs/runs/imagenet-m*.yaml holds it: M0-M3 and M1#-M3# their own, the M2
     * ablations and the MobileNetV3 baselines M2's.
     */
    @ParameterizedTest
    @MethodSource("paperSweeps")
    void paperSweepsTrainWithTheImagenetRecipes(Path sweep, @TempDir Path tmp) throws Exception {
        SweepPlan plan = SweepPlan.of(sweep, List.of(), tmp.toString());
        assertTrue(Path.of(plan.runConfig()).getFileName().toString().matches("imagenet-m[0-3]\\.yaml"),
                sweep + " starts from " + plan.runConfig());
        List<RunConfig> runs = resolve(plan, tmp);
        for (int i = 0; i < runs.size(); i++) {
            RunConfig cfg = runs.get(i);
            String where = sweep.getFileName() + " " + plan.runs().get(i).name();
            assertEquals(224, cfg.inputSize(), where);
            assertEquals(0.08, cfg.data().minCropScale(), where);
            assertEquals(256, cfg.data().shortSide(), where);
            assertEquals(600, cfg.epochs(), where);
            Matcher m = MICRONET.matcher(cfg.model());
            String recipe = "imagenet-m" + (m.matches() ? m.group(1) : "2") + ".yaml";
            RunConfig expected = RunConfigLoader.load(SweepRepo.root().resolve("configs/runs").resolve(recipe), List.of());
            assertEquals(expected.globalBatch(), cfg.globalBatch(), where + ": global batch of " + recipe);
            assertEquals(expected.learningRate(), cfg.learningRate(), where + ": learning rate of " + recipe);
            assertEquals(expected.warmupEpochs(), cfg.warmupEpochs(), where + ": warm-up of " + recipe);
            assertEquals(expected.weightDecay(), cfg.weightDecay(), where + ": weight decay of " + recipe);
            assertEquals(expected.momentum(), cfg.momentum(), where);
            assertEquals(expected.labelSmoothing(), cfg.labelSmoothing(), where);
            assertEquals(expected.dropout(), cfg.dropout(), where + ": the model's dropout");
            assertEquals(expected.data().train(), cfg.data().train(), where);
        }
    }

    /** The quick variants keep their sample recipe, whatever ImageNet run config their base starts from. */
    @ParameterizedTest
    @MethodSource("quickSweeps")
    void quickSweepsTrainOnTheBundledSample(Path sweep, @TempDir Path tmp) throws Exception {
        SweepPlan plan = SweepPlan.of(sweep, List.of(), tmp.toString());
        for (RunConfig cfg : resolve(plan, tmp)) {
            String where = sweep.getFileName() + " " + cfg.output();
            assertEquals("data/sample/fashion-mnist-ilsvrc", cfg.data().train(), where);
            assertEquals(32, cfg.inputSize(), where);
            assertEquals(36, cfg.data().shortSide(), where);
            assertEquals(0.35, cfg.data().minCropScale(), where);
            assertEquals(2, cfg.epochs(), where);
            assertEquals(40, cfg.globalBatch(), where);
            assertEquals(0.1, cfg.learningRate(), where);
            assertEquals(3e-5, cfg.weightDecay(), where);
            assertEquals(0.0, cfg.warmupEpochs(), where);
        }
    }
}
