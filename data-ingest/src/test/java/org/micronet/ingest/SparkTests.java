package org.micronet.ingest;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** The one local[2] SparkContext a test class shares. */
public final class SparkTests {
    private SparkTests() {
    }

    public static JavaSparkContext localContext(String name) {
        return new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName(name)
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1"));
    }
}
