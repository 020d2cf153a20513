package org.micronet.trainer;

import org.apache.spark.SparkConf;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many native threads one worker's fit gets: the cores of its JVM shared among the workers
 * that fit in it at the same time. ND4J defaults to every core of the machine for each of them, so
 * two workers of local[2] ran four threads on two cores, and each single-core executor of a
 * cluster as many threads as its node has cores.
 */
final class WorkerThreads {
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\d+|\\*)(?:,\\d+)?])?");

    private WorkerThreads() {
    }

    /** In local mode the workers share the driver's cores; on a cluster each executor runs one worker. */
    static int of(SparkConf conf, int workers) {
        int machine = Runtime.getRuntime().availableProcessors();
        Matcher local = LOCAL.matcher(conf.get("spark.master", ""));
        if (local.matches()) {
            int cores = local.group(1) == null ? 1 : local.group(1).equals("*") ? machine : Integer.parseInt(local.group(1));
            return Math.max(1, cores / Math.max(1, Math.min(workers, cores)));
        }
        return Math.max(1, Math.min(machine, conf.getInt("spark.executor.cores", machine)));
    }
}
