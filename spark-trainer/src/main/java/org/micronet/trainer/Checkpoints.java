package org.micronet.trainer;

import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoints in {@code <run>/checkpoints/}: {@code epoch-NNNN/} at the end of epoch NNNN
 * (0-based) and {@code epoch-NNNN-batch-BBBBBB/} within epoch NNNN, after its first BBBBBB
 * minibatches per worker. Each holds the model with its updater state and iteration count, which
 * drives the learning rate ({@code model.zip}), and where training stands ({@code state.json}).
 * A checkpoint folder is assembled under a temporary name and renamed, so it is complete or
 * absent. They are ordered by how far into training they are; the last {@code keep} are kept,
 * whichever kind they are, since the latest is the one a resume needs.
 */
public final class Checkpoints {
    public static final String DIR = "checkpoints";
    static final String MODEL = "model.zip";
    static final String STATE = "state.json";
    private static final Pattern NAME = Pattern.compile("epoch-(\\d+)(?:-batch-(\\d+))?");

    /**
     * @param epoch        the last finished epoch (0-based, -1 before the first)
     * @param iteration    DL4J's iteration count, which drives the learning-rate schedule
     * @param bestTop1     the best validation top-1 so far
     * @param seconds      training time so far
     * @param batchesDone  minibatches per worker of the next epoch fitted already (0 at an epoch's end)
     * @param epochSeconds training time of those
     * @param epochLoss    sum and count of the training losses of those (the epoch's mean needs them)
     */
    public record State(int epoch, long iteration, double bestTop1, double seconds, int batchesDone,
                        double epochSeconds, TrainingLoss.Tally epochLoss) {
        static final State START = new State(-1, 0, -1, 0, 0, 0, TrainingLoss.Tally.NONE);

        public State {
            epochLoss = epochLoss == null ? TrainingLoss.Tally.NONE : epochLoss;  // checkpoints from before the tally
        }
    }

    private final RunStore store;
    private final int keep;

    Checkpoints(RunStore store, int keep) {
        this.store = store;
        this.keep = keep;
    }

    static String name(State state) {
        return state.batchesDone() == 0 ? String.format("epoch-%04d", state.epoch())
                : String.format("epoch-%04d-batch-%06d", state.epoch() + 1, state.batchesDone());
    }

    /** Writes a checkpoint of {@code state}, deletes the oldest beyond {@code keep}, and returns its name. */
    String save(ComputationGraph net, State state) throws IOException {
        String name = name(state);
        String relative = DIR + "/" + name;
        Path staging = store.stagingFor(relative);
        try (OutputStream out = store.create(new Path(staging, MODEL))) {
            ModelSerializer.writeModel(net, out, true);
        }
        try (OutputStream out = store.create(new Path(staging, STATE))) {
            out.write(MetricsLog.json(state).getBytes(StandardCharsets.UTF_8));
        }
        store.publish(staging, store.path(relative));
        List<String> all = all();
        for (int i = 0; i < all.size() - keep; i++) {
            store.delete(DIR + "/" + all.get(i));
        }
        return name;
    }

    Optional<String> latest() throws IOException {
        List<String> all = all();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** The checkpoints, oldest first. */
    List<String> all() throws IOException {
        return store.list(DIR).stream().filter(n -> NAME.matcher(n).matches())
                .sorted(Comparator.comparingLong(Checkpoints::position)).toList();
    }

    /** Finished epochs in the high half, minibatches of the next epoch in the low half. */
    private static long position(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException(name + " is not a checkpoint name");
        }
        long epoch = Long.parseLong(m.group(1));
        return m.group(2) == null ? (epoch + 1) << 32 : epoch << 32 | Long.parseLong(m.group(2));
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
