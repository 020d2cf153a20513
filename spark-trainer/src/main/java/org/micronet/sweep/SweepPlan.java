package org.micronet.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.conf.Configuration;
import org.micronet.config.ConfigException;
import org.micronet.models.ModelConfig;
import org.micronet.models.ModelConfigLoader;
import org.micronet.trainer.RunConfig;
import org.micronet.trainer.RunConfigLoader;
import org.micronet.trainer.RunStore;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sweep ready to run: its runs, its directory, and how each run's config is made. Overrides
 * apply in this order: the run YAML, the sweep's {@code set}, the command line's {@code --set},
 * the run's axis values; then the run's {@code output} and {@code export} (in its folder).
 * {@code model.*} keys go to a derived model config written to {@code <run>/model.yaml}.
 * The plan is saved as {@code sweep.json} so that summaries and reports need only the directory.
 *
 * @param source  the sweep YAML, for messages
 * @param axes    the varied keys
 * @param runs    the runs, in order
 */
public record SweepPlan(String source, String directory, String runConfig, LinkedHashMap<String, String> fixed,
                        List<String> axes, List<SweepRun> runs, boolean latency) {
    public static final String FILE = "sweep.json";
    public static final String MODEL = "model.yaml";
    static final String EXPORT = "export";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param sets   {@code key=value} overrides from the command line, for every run
     * @param output the sweep directory instead of the YAML's, or null
     */
    public static SweepPlan of(Path sweepYaml, List<String> sets, String output) {
        SweepConfig cfg = SweepConfigLoader.load(sweepYaml);
        LinkedHashMap<String, String> fixed = new LinkedHashMap<>();
        cfg.set().forEach((k, v) -> fixed.put(k, SweepExpansion.yaml(v)));
        List<String> axes = cfg.axisKeys();
        for (String s : sets) {
            int eq = s.indexOf('=');
            if (eq < 1) {
                throw new ConfigException("--set " + s + ": expected key=value, e.g. --set epochs=5");
            }
            String key = s.substring(0, eq).trim();
            if (axes.contains(key) || key.equals("output") || key.equals("export")) {
                throw new ConfigException("--set " + s + ": " + key + (axes.contains(key) ? " is an axis of "
                        : " is placed per run by ") + sweepYaml);
            }
            fixed.put(key, s.substring(eq + 1).trim());
        }
        return new SweepPlan(sweepYaml.toString(), output != null ? output : cfg.output(), cfg.run(), fixed, axes,
                SweepExpansion.expand(cfg), cfg.latency());
    }

    /** The resolved config of a run; writes its derived model, if any, into its folder. */
    public RunConfig resolve(SweepRun run, RunStore folder) throws IOException {
        Map<String, String> all = new LinkedHashMap<>(fixed);
        all.putAll(run.values());
        List<String> runSets = new ArrayList<>();
        Map<String, String> modelSets = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith(DerivedModels.PREFIX)) {
                modelSets.put(k.substring(DerivedModels.PREFIX.length()), v);
            } else {
                runSets.add(k + "=" + v);
            }
        });
        runSets.add("output=" + SweepExpansion.yamlString(folder.uri()));
        runSets.add("export=" + SweepExpansion.yamlString(folder.path(EXPORT).toString()));
        Path base = Path.of(runConfig);
        RunConfig cfg = RunConfigLoader.load(base, runSets);
        if (modelSets.isEmpty()) {
            return cfg;
        }
        if (!"file".equals(folder.root().toUri().getScheme())) {
            throw new ConfigException(source + ": model.* keys need a sweep directory on the local filesystem ("
                    + directory + " is not): the trainer reads model YAML from local paths only");
        }
        ModelConfig model = DerivedModels.derive(cfg.model(), modelSets, run.name());
        folder.writeString(MODEL, ModelConfigLoader.toYaml(model));
        runSets.add("model=" + SweepExpansion.yamlString(Path.of(folder.path(MODEL).toUri()).toString()));
        return RunConfigLoader.load(base, runSets);
    }

    /** The runs and axes as {@code sweep.json}, what the summary and reports read. */
    public void save(Configuration conf) throws IOException {
        new RunStore(directory, conf).writeString(FILE, JSON.writeValueAsString(new Saved(source, axes, runs)));
    }

    /** What {@code sweep.json} holds. */
    public record Saved(String sweep, List<String> axes, List<SweepRun> runs) {
        public static Saved read(RunStore sweepDir) throws IOException {
            if (!sweepDir.exists(FILE)) {
                throw new ConfigException(sweepDir.uri() + " is not a sweep directory (no " + FILE + ")");
            }
            return JSON.readValue(sweepDir.readString(FILE), Saved.class);
        }
    }
}
