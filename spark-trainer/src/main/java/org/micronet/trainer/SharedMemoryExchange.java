package org.micronet.trainer;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskKilledException;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The exchange between workers that all run in this JVM (local mode). Each worker copies its
 * parameters, updater state and score into a buffer the others read, meets them at a rendezvous
 * of the stage, and sums their buffers straight into its own network: one copy out and one pass
 * of arithmetic a round, where passing the state through Spark's {@code allGather} as a string
 * took five copies and the coordinator's round trip (M0 on local[2]: 36 ms of a 175 ms round).
 * Each worker has two buffers and uses them in alternate rounds: it writes round r + 2's into
 * round r's only after the rendezvous of round r + 1, which every worker reaches only once it has
 * read round r. Between its arrival and the wait a worker does what the caller gives it (reads its
 * next minibatch), in time the slowest worker would otherwise leave idle.
 */
final class SharedMemoryExchange implements ParameterExchange {
    private static final ConcurrentHashMap<String, Stage> STAGES = new ConcurrentHashMap<>();
    private static final long KILL_CHECK_MILLIS = 100;

    /** What the workers of one attempt of a barrier stage share. */
    private static final class Stage {
        final Phaser rendezvous;
        /** [round parity][partition]: the published parameters, updater state and score, and whether there are any. */
        final INDArray[][] params;
        final INDArray[][] states;
        final double[][] scores;
        final boolean[][] fitted;
        int open;

        Stage(int workers) {
            rendezvous = new Phaser(workers);
            params = new INDArray[2][workers];
            states = new INDArray[2][workers];
            scores = new double[2][workers];
            fitted = new boolean[2][workers];
            open = workers;
        }
    }

    private final BarrierTaskContext task;
    private final String key;
    private final Stage stage;
    private final int partition;
    private int round;
    private long waiting;

    /** For {@code task}'s worker, which trains networks of {@code net}'s configuration. */
    SharedMemoryExchange(BarrierTaskContext task, ComputationGraph net) {
        this.task = task;
        this.partition = task.partitionId();
        int workers = task.getTaskInfos().length;
        // stage ids start again with every SparkContext of the JVM
        key = SparkEnv.get().conf().getAppId() + "/" + task.stageId() + "/" + task.stageAttemptNumber();
        stage = STAGES.computeIfAbsent(key, k -> new Stage(workers));
        INDArray state = net.getUpdater().getStateViewArray();
        long params = net.params().length();
        for (int parity = 0; parity < 2; parity++) {
            INDArray buffer = Nd4j.createUninitialized(net.params().dataType(),
                    params + (state == null ? 0 : state.length()));
            stage.params[parity][partition] = buffer.get(NDArrayIndex.interval(0, params)).reshape(net.params().shape());
            stage.states[parity][partition] = state == null ? null
                    : buffer.get(NDArrayIndex.interval(params, buffer.length())).reshape(state.shape());
        }
    }

    @Override
    public int average(ComputationGraph net, boolean fitted, Runnable meanwhile) {
        int parity = round++ & 1;
        INDArray state = net.getUpdater().getStateViewArray();
        if (fitted) {
            stage.params[parity][partition].assign(net.params());
            if (state != null) {
                stage.states[parity][partition].assign(state);
            }
            stage.scores[parity][partition] = net.score();
        }
        // a flag, not a NaN score: a diverged worker's NaN must reach the average, as on the driver
        stage.fitted[parity][partition] = fitted;
        int phase = stage.rendezvous.arrive();
        meanwhile.run();
        awaitOthers(phase);  // the phaser's advance publishes every worker's writes before it
        return ParameterExchange.setToMean(net, stage.params[parity], stage.states[parity], stage.scores[parity],
                stage.fitted[parity]);
    }

    /**
     * Waits until every worker has arrived at round {@code phase}. When a worker fails, Spark fails
     * the barrier stage and kills the other tasks, which this sees within {@link #KILL_CHECK_MILLIS}.
     */
    private void awaitOthers(int phase) {
        long t0 = System.nanoTime();
        try {
            while (true) {
                try {
                    stage.rendezvous.awaitAdvanceInterruptibly(phase, KILL_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException e) {
                    if (task.isInterrupted()) {
                        throw new TaskKilledException("killed while waiting for the other workers of its barrier stage");
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TaskKilledException("interrupted while waiting for the other workers of its barrier stage");
        } finally {
            waiting += System.nanoTime() - t0;
        }
    }

    @Override
    public long waitingNanos() {
        return waiting;
    }

    /** Leaves the stage; the last worker to leave drops it. */
    @Override
    public void close() {
        synchronized (stage) {
            if (--stage.open == 0) {
                STAGES.remove(key);
            }
        }
    }
}
