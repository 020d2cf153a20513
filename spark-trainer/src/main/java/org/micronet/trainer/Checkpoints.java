package org.micronet.trainer;

import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.micronet.ingest.DataException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoints in {@code <run>/checkpoints/}: {@code epoch-NNNN/} at the end of epoch NNNN
 * (0-based) and {@code epoch-NNNN-batch-BBBBBB/} within epoch NNNN, after its first BBBBBB
 * minibatches per worker. Each holds the model with its updater state and iteration count, which
 * drives the learning rate ({@code model.zip}), its SHA-256 ({@code model.zip.sha256}) and where
 * training stands ({@code state.json}). A checkpoint folder is assembled under a temporary name
 * and renamed, so it is complete or absent; but storage can still truncate or corrupt a file
 * later, so a resume checks the latest and falls back to the one before. They are ordered by how
 * far into training they are; the last {@code keep} are kept, whichever kind they are.
 */
public final class Checkpoints {
    public static final String DIR = "checkpoints";
    static final String MODEL = "model.zip";
    static final String STATE = "state.json";
    static final String CHECKSUM = MODEL + ".sha256";
    private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);
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

    /** A checkpoint read back whole: its name, where training stood, the model. */
    record Restored(String name, State state, ComputationGraph model) {
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
        MessageDigest sha = sha256();
        try (OutputStream out = new DigestOutputStream(store.create(new Path(staging, MODEL)), sha)) {
            ModelSerializer.writeModel(net, out, true);
        }
        try (OutputStream out = store.create(new Path(staging, CHECKSUM))) {
            out.write(HexFormat.of().formatHex(sha.digest()).getBytes(StandardCharsets.UTF_8));
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

    /**
     * The latest checkpoint that reads back whole (checksum, state, model), or empty when there is
     * none. One that does not is renamed {@code <name>.corrupt}, out of the way of later resumes
     * and of the pruning of old checkpoints, with a warning naming it and the one used instead.
     */
    Optional<Restored> latestUsable() throws IOException {
        List<String> all = all();
        List<String> unusable = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            String name = all.get(i);
            try {
                Restored restored = restore(name);
                if (!unusable.isEmpty()) {
                    log.warn("resuming from checkpoint {} instead of the later {}", name, String.join(", ", unusable));
                }
                return Optional.of(restored);
            } catch (IOException | RuntimeException e) {
                String aside = name + ".corrupt";
                log.warn("checkpoint {}/{}/{} is unusable ({}); moved it to {} and trying the one before", store.uri(), DIR,
                        name, e.getMessage(), aside);
                store.rename(DIR + "/" + name, DIR + "/" + aside);
                unusable.add(name);
            }
        }
        if (!unusable.isEmpty()) {
            throw new DataException("no usable checkpoint in " + store.uri() + "/" + DIR + ": " + String.join(", ", unusable)
                    + " are corrupt (moved to <name>.corrupt); start the run again without --resume");
        }
        return Optional.empty();
    }

    private Restored restore(String name) throws IOException {
        String dir = DIR + "/" + name + "/";
        if (store.exists(dir + CHECKSUM)) {  // checkpoints from before checksums have none
            String expected = store.readString(dir + CHECKSUM).trim();
            MessageDigest sha = sha256();
            try (InputStream in = new DigestInputStream(store.open(dir + MODEL), sha)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            String actual = HexFormat.of().formatHex(sha.digest());
            if (!actual.equals(expected)) {
                throw new IOException(MODEL + " has SHA-256 " + actual + ", saved as " + expected);
            }
        }
        return new Restored(name, state(name), model(name));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
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
