package org.micronet.trainer;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The Spark context of a job: spark-submit's settings when present, else local mode. On a cluster,
 * each executor's native thread pools are sized to a task's cores unless the submit says otherwise.
 */
public final class SparkContexts {
    private SparkContexts() {
    }

    /** @param master used when spark-submit did not set one; null means {@code local[*]} */
    public static JavaSparkContext create(String appName, String master) {
        SparkConf conf = new SparkConf().setAppName(appName);
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        if (conf.get("spark.master").startsWith("local")) {
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
        } else {
            // ND4J's OpenMP pool otherwise sizes itself to every core of the executor's host; in one
            // JVM, two single-core M0 workers fitted a round in 83 ms without this cap, 63 ms with it
            conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", conf.get("spark.task.cpus", "1"));
        }
        return new JavaSparkContext(conf);
    }

    /** Whether Spark may add and remove executors as it likes: then it refuses barrier stages. */
    public static boolean dynamicAllocation(JavaSparkContext sc) {
        return sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false);
    }
}
