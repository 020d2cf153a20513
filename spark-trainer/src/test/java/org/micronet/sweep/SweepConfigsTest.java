package org.micronet.sweep;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.models.Models;
import org.micronet.trainer.RunConfig;
import org.micronet.trainer.RunStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every sweep under configs/sweeps/ expands, and every run's config and model resolve. */
class SweepConfigsTest {
    static Stream<Path> sweeps() throws Exception {
        try (Stream<Path> s = Files.list(SweepRepo.root().resolve("configs/sweeps"))) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
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
        for (SweepRun run : plan.runs()) {
            RunConfig cfg = plan.resolve(run, new RunStore(tmp.resolve(run.name()).toString(), new Configuration()));
            Models.resolve(cfg.model());
        }
    }
}
