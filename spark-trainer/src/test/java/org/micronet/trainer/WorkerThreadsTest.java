package org.micronet.trainer;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Native threads per worker: the JVM's cores shared among the workers that fit in it at once. */
class WorkerThreadsTest {
    private static final int MACHINE = Runtime.getRuntime().availableProcessors();

    private static int threads(String master, int workers, Integer executorCores) {
        SparkConf conf = new SparkConf(false).set("spark.master", master);
        if (executorCores != null) {
            conf.set("spark.executor.cores", executorCores.toString());
        }
        return WorkerThreads.of(conf, workers);
    }

    @Test
    void localModeSharesItsCoresAmongTheWorkers() {
        assertEquals(1, threads("local[2]", 2, null));
        assertEquals(2, threads("local[4]", 2, null));
        assertEquals(2, threads("local[2]", 1, null));
        assertEquals(1, threads("local[2]", 8, null), "more workers than cores: they take turns, one thread each");
        assertEquals(1, threads("local", 2, null));
        assertEquals(3, threads("local[6,2]", 2, null), "local[N,retries]");
        assertEquals(Math.max(1, MACHINE / Math.min(2, MACHINE)), threads("local[*]", 2, null));
    }

    @Test
    void anExecutorGivesItsOneWorkerItsCores() {
        assertEquals(1, threads("spark://host:7077", 2, 1));
        assertEquals(Math.min(MACHINE, 4), threads("yarn", 8, 4));
        assertEquals(MACHINE, threads("k8s://https://api:6443", 8, null));
    }
}
