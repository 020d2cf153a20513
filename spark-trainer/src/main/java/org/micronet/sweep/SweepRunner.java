package org.micronet.sweep;

import org.apache.hadoop.conf.Configuration;
import org.micronet.trainer.Checkpoints;
import org.micronet.trainer.RunConfig;
import org.micronet.trainer.RunConfigLoader;
import org.micronet.trainer.RunStore;
import org.micronet.trainer.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a sweep's runs one after another. A run with {@code _SUCCESS} is skipped; one with
 * checkpoints resumes from the latest; a failure (a bad value, a diverged loss, a crash) is
 * recorded in the run's {@code sweep-status.json} and the next run starts. The summary is
 * rewritten before the first run and after each.
 */
public final class SweepRunner {
    private static final Logger log = LoggerFactory.getLogger(SweepRunner.class);
    /** The trainer's checkpoint folder in a run directory. */

    public enum Outcome { TRAINED, RESUMED, SKIPPED, FAILED }

    /** @param error the failure's message, null unless FAILED */
    public record RunOutcome(SweepRun run, Outcome outcome, String error) {
    }

    private final SweepPlan plan;
    private final Configuration conf;
    private final RunLauncher launcher;

    public SweepRunner(SweepPlan plan, Configuration conf, RunLauncher launcher) {
        this.plan = plan;
        this.conf = conf;
        this.launcher = launcher;
    }

    public List<RunOutcome> run() throws IOException {
        RunStore sweep = new RunStore(plan.directory(), conf);
        sweep.checkWritable("sweep output");
        plan.save(conf);
        SweepSummary.refresh(sweep, conf);
        List<RunOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < plan.runs().size(); i++) {
            SweepRun run = plan.runs().get(i);
            log.info("sweep {}: run {}/{}: {}", sweep.uri(), i + 1, plan.runs().size(), run.name());
            RunOutcome outcome = runOne(run, new RunStore(sweep.path(run.name()).toString(), conf));
            log.info("sweep {}: {} {}{}", sweep.uri(), run.name(), outcome.outcome().name().toLowerCase(),
                    outcome.error() == null ? "" : ": " + outcome.error());
            outcomes.add(outcome);
            SweepSummary.refresh(sweep, conf);
        }
        return outcomes;
    }

    private RunOutcome runOne(SweepRun run, RunStore folder) throws IOException {
        if (folder.exists(Trainer.SUCCESS)) {
            if (plan.latency() && !folder.exists(LatencyProbe.FILE)) {
                LatencyProbe.measure(folder, conf);
            }
            return new RunOutcome(run, Outcome.SKIPPED, null);
        }
        boolean resumed = !folder.list(Checkpoints.DIR).isEmpty();
        RunStatus started = RunStatus.next(RunStatus.read(folder), RunStatus.State.RUNNING, null, 0);
        started.write(folder);
        long t0 = System.nanoTime();
        try {
            RunConfig cfg = plan.resolve(run, folder);
            folder.writeString(Trainer.CONFIG, RunConfigLoader.toYaml(cfg));
            launcher.train(cfg, folder);
            if (plan.latency()) {
                LatencyProbe.measure(folder, conf);
            }
            RunStatus.next(started, RunStatus.State.FINISHED, null, seconds(t0)).write(folder);
            return new RunOutcome(run, resumed ? Outcome.RESUMED : Outcome.TRAINED, null);
        } catch (Exception e) {
            String error = e.getMessage() != null ? e.getMessage() : e.toString();
            log.error("sweep run " + folder.uri() + " failed; the sweep goes on", e);
            RunStatus.next(started, RunStatus.State.FAILED, error, seconds(t0)).write(folder);
            return new RunOutcome(run, Outcome.FAILED, error);
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
