package org.micronet.trainer;

import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Checkpoints in {@code <run>/checkpoints/epoch-NNNN/}: the model with its updater state
 * ({@code model.zip}) and where training stands ({@code state.json}). A checkpoint folder is
 * assembled under a temporary name and renamed, so it is complete or absent.
 */
public final class Checkpoints {
    public static final String DIR = "checkpoints";
    static final String MODEL = "model.zip";
    static final String STATE = "state.json";

    /**
     * @param epoch     the last finished epoch (0-based)
     * @param iteration DL4J's iteration count, which drives the learning-rate schedule
     * @param bestTop1  the best validation top-1 so far
     * @param seconds   training time so far
     */
    public record State(int epoch, long iteration, double bestTop1, double seconds) {
    }

    private final RunStore store;
    private final int keep;

    Checkpoints(RunStore store, int keep) {
        this.store = store;
        this.keep = keep;
    }

    static String name(int epoch) {
        return String.format("epoch-%04d", epoch);
    }

    void save(ComputationGraph net, State state) throws IOException {
        String relative = DIR + "/" + name(state.epoch());
        Path staging = store.stagingFor(relative);
        try (OutputStream out = store.create(new Path(staging, MODEL))) {
            ModelSerializer.writeModel(net, out, true);
        }
        try (OutputStream out = store.create(new Path(staging, STATE))) {
            out.write(MetricsLog.json(state).getBytes(StandardCharsets.UTF_8));
        }
        store.publish(staging, store.path(relative));
        List<String> all = store.list(DIR);
        for (int i = 0; i < all.size() - keep; i++) {
            store.delete(DIR + "/" + all.get(i));
        }
    }

    Optional<String> latest() throws IOException {
        List<String> all = store.list(DIR);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    State state(String checkpoint) throws IOException {
        return MetricsLog.parse(store.readString(DIR + "/" + checkpoint + "/" + STATE), State.class);
    }

    ComputationGraph model(String checkpoint) throws IOException {
        try (InputStream in = store.open(DIR + "/" + checkpoint + "/" + MODEL)) {
            return ModelSerializer.restoreComputationGraph(in, true);
        }
    }
}
