package org.micronet.trainer;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Checkpoint names and their order: by position in training, not by name. */
class CheckpointsTest {
    @Test
    void epochEndsAndInEpochCheckpointsAreOrderedByPosition(@TempDir Path tmp) throws Exception {
        for (String name : List.of("epoch-0001", "epoch-0001-batch-000004", "epoch-0000", "epoch-0000-batch-000010",
                "epoch-0002-batch-000012", "notes")) {
            Files.createDirectories(tmp.resolve(Checkpoints.DIR).resolve(name));
        }
        Checkpoints checkpoints = new Checkpoints(new RunStore(tmp.toString(), new Configuration()), 3);
        assertEquals(List.of("epoch-0000-batch-000010", "epoch-0000", "epoch-0001-batch-000004", "epoch-0001",
                "epoch-0002-batch-000012"), checkpoints.all());
        assertEquals("epoch-0002-batch-000012", checkpoints.latest().orElseThrow());
    }

    @Test
    void aStateNamesItsCheckpoint() {
        assertEquals("epoch-0003", Checkpoints.name(new Checkpoints.State(3, 80, 0.5, 60, 0, 0, null)));
        assertEquals("epoch-0004-batch-000020", Checkpoints.name(new Checkpoints.State(3, 100, 0.5, 75, 20, 15, null)));
        assertEquals("epoch-0000-batch-000002", Checkpoints.name(new Checkpoints.State(-1, 2, -1, 5, 2, 5, null)));
    }
}
