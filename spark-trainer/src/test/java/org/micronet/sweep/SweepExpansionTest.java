package org.micronet.sweep;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.micronet.config.ConfigException;
import org.micronet.models.ModelConfig;
import org.micronet.trainer.RunConfig;
import org.micronet.trainer.RunStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sweep YAML to runs: lists, grids, zips, overrides, names, and the errors. */
class SweepExpansionTest {
    @TempDir
    Path dir;

    private Path sweep(String name, String yaml) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "run: " + SweepRepo.root().resolve("configs/runs/quickstart.yaml") + "\noutput: "
                + dir.resolve("out") + "\n" + yaml);
        return p;
    }

    private static List<String> names(SweepPlan plan) {
        return plan.runs().stream().map(SweepRun::name).toList();
    }

    @Test
    void aListIsOneRunPerValue() throws Exception {
        SweepPlan plan = SweepPlan.of(sweep("list.yaml", "axes:\n  model.activation: [relu, se_relu, dy_relu, dy_shift_max]\n"),
                List.of(), null);
        assertEquals(List.of("activation=relu", "activation=se_relu", "activation=dy_relu", "activation=dy_shift_max"),
                names(plan));
        assertEquals(Map.of("model.activation", "se_relu"), plan.runs().get(1).values());
    }

    @Test
    void aGridIsTheProductFirstAxisSlowestAndAZipWalksKeysTogether() throws Exception {
        SweepPlan plan = SweepPlan.of(sweep("grid.yaml", """
                axes:
                  model: [configs/models/m0.yaml, m1]
                  learningRate: [0.1, 0.05]
                zip:
                  - {model.j: [1, 2], model.k: [1, 2]}
                """), List.of(), null);
        assertEquals(8, plan.runs().size());
        assertEquals("model=m0+learningRate=0.1+j=1+k=1", plan.runs().get(0).name());
        assertEquals("model=m0+learningRate=0.1+j=2+k=2", plan.runs().get(1).name());
        assertEquals("model=m1+learningRate=0.05+j=2+k=2", plan.runs().get(7).name());
        assertEquals(List.of("model", "learningRate", "model.j", "model.k"), plan.axes());
        assertEquals("model=configs/models/m0.yaml learningRate=0.1 model.j=1 model.k=1", plan.runs().get(0).overrides());
        // the same YAML gives the same runs and names
        assertEquals(names(plan), names(SweepPlan.of(dir.resolve("grid.yaml"), List.of(), null)));
    }

    @Test
    void namesAreFilesystemSafeUniqueAndShort() {
        var tree = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<String, com.fasterxml.jackson.databind.JsonNode> v = new LinkedHashMap<>();
        v.put("model.ablation.positions", tree.valueToTree(List.of(1, 2)));
        v.put("data.train", tree.valueToTree("hdfs://nn:8020/data/imagenet two"));
        v.put("a.k", tree.valueToTree(1));
        v.put("b.k", tree.valueToTree(2));
        assertEquals("positions=1-2+train=hdfs-nn-8020-data-imagenet-two+a.k=1+b.k=2",
                RunNames.of(v, List.copyOf(v.keySet())));
        v.put("c", tree.valueToTree("x".repeat(200)));
        String longName = RunNames.of(v, List.copyOf(v.keySet()));
        assertEquals(100, longName.length());
        assertEquals("base", RunNames.of(Map.of(), List.of()));
    }

    @Test
    void overridesApplyInOrderAndModelKeysMakeADerivedModel() throws Exception {
        Path yaml = sweep("order.yaml", """
                set: {epochs: 3, learningRate: 0.2, model: m0}
                axes:
                  model.j: [1]
                """);
        SweepPlan plan = SweepPlan.of(yaml, List.of("epochs=4", "model.activation=relu"), "file:" + dir.resolve("elsewhere"));
        SweepRun run = plan.runs().get(0);
        RunStore folder = new RunStore(plan.directory() + "/" + run.name(), new org.apache.hadoop.conf.Configuration());
        RunConfig cfg = plan.resolve(run, folder);
        assertEquals(4, cfg.epochs(), "--set wins over the sweep's set");
        assertEquals(0.2, cfg.learningRate());
        assertEquals(dir.resolve("elsewhere/j=1").toUri(), Path.of(java.net.URI.create(cfg.output())).toUri());
        assertTrue(cfg.export().endsWith("j=1/export"), cfg.export());
        Path model = dir.resolve("elsewhere/j=1/model.yaml");
        assertEquals(model.toString(), cfg.model());
        ModelConfig derived = org.micronet.models.Models.resolve(cfg.model());
        assertEquals(1, derived.shiftMax().j());
        assertEquals(ModelConfig.ActivationKind.RELU, derived.ablation().activation());
        assertEquals("micronet-m0[j=1]", derived.name());
        assertEquals(null, derived.paper(), "the base's paper figures do not describe a derived model");
    }

    @Test
    void mistakesNameTheFileKeyAndValue() throws Exception {
        ConfigException zip = assertThrows(ConfigException.class, () -> SweepPlan.of(sweep("zip.yaml",
                "zip:\n  - {model.j: [1, 2], model.k: [1]}\n"), List.of(), null));
        assertTrue(zip.getMessage().contains("zip.yaml") && zip.getMessage().contains("zip[0].model.k: 1 values"),
                zip.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> SweepPlan.of(sweep("unknown.yaml",
                "axis:\n  epochs: [1]\n"), List.of(), null));
        assertTrue(unknown.getMessage().contains("unknown key 'axis'"), unknown.getMessage());
        ConfigException output = assertThrows(ConfigException.class, () -> SweepPlan.of(sweep("output.yaml",
                "axes:\n  output: [a, b]\n"), List.of(), null));
        assertTrue(output.getMessage().contains("axes.output"), output.getMessage());
        ConfigException axisSet = assertThrows(ConfigException.class, () -> SweepPlan.of(sweep("axis.yaml",
                "axes:\n  epochs: [1, 2]\n"), List.of("epochs=3"), null));
        assertTrue(axisSet.getMessage().contains("--set epochs=3: epochs is an axis"), axisSet.getMessage());
        ConfigException clash = assertThrows(ConfigException.class, () -> SweepPlan.of(sweep("clash.yaml",
                "axes:\n  model: [a/m0.yaml, b/m0.yaml]\n"), List.of(), null));
        assertTrue(clash.getMessage().contains("same directory name 'model=m0'"), clash.getMessage());
    }

    @Test
    void aQuickVariantExtendsItsSweep() throws Exception {
        sweep("full.yaml", "set: {epochs: 100}\naxes:\n  model.k: [1, 2, 3]\n");
        Path quick = dir.resolve("quick.yaml");
        Files.writeString(quick, "base: full.yaml\nset: {epochs: 1}\naxes:\n  model.k: [1, 2]\n");
        SweepPlan plan = SweepPlan.of(quick, List.of(), null);
        assertEquals(List.of("k=1", "k=2"), names(plan));
        assertEquals("1", plan.fixed().get("epochs"));
        assertEquals(dir.resolve("out").toString(), plan.directory());
    }
}
