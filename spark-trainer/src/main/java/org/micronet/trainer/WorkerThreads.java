package org.micronet.trainer;

import org.apache.spark.api.java.JavaSparkContext;
import org.micronet.kernels.Parallel;
import org.nd4j.linalg.factory.Nd4j;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cores each worker's fit may use. ND4J and the kernels otherwise give every fit all the
 * cores of its machine, so workers that fit at the same time on one machine fight over them: M0
 * at 64 images a worker on local[2] fitted a round in 121 ms with both workers on both cores and
 * in 63 ms with one core each. In local mode the master's threads are shared out among the
 * workers; on a cluster a task gets {@code spark.task.cpus} cores (Spark's contract).
 */
final class WorkerThreads {
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\d+|\\*)(?:,\\d+)?])?");

    private WorkerThreads() {
    }

    /** The threads of a local master ({@code local}, {@code local[N]}, {@code local[*]}, {@code local[N,F]}); empty for a cluster. */
    static OptionalInt localThreads(String master) {
        Matcher local = LOCAL.matcher(master);
        if (!local.matches()) {
            return OptionalInt.empty();
        }
        String n = local.group(1);
        return OptionalInt.of(n == null ? 1 : n.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n));
    }

    /** The cores each of {@code workers} may use on {@code sc}'s cluster. */
    static int perWorker(JavaSparkContext sc, int workers) {
        OptionalInt local = localThreads(sc.master());
        return local.isPresent() ? Math.max(1, local.getAsInt() / workers) : sc.getConf().getInt("spark.task.cpus", 1);
    }

    /** Limits this JVM's fits to {@code threads}. */
    static void apply(int threads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
        Parallel.limitThreads(threads);
    }
}
