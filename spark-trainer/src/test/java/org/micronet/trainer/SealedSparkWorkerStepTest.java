package org.micronet.trainer;

import org.apache.spark.api.java.JavaSparkContext;

import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SparkWorkerStepTest}'s rounds with Spark's authentication and network encryption on, as
 * on the clusters of deploy/standalone-cluster.sh: the workers' own connections then carry their
 * states sealed ({@link StateCipher}), M0's 3 MB in 12 pieces, and the averages must still be
 * the driver's to the bit.
 */
class SealedSparkWorkerStepTest extends SparkWorkerStepTest {
    @Override
    JavaSparkContext context() {
        Map<String, String> encrypted = Map.of("spark.authenticate", "true",
                "spark.authenticate.secret", UUID.randomUUID().toString(), "spark.network.crypto.enabled", "true");
        encrypted.forEach(System::setProperty);
        try {
            JavaSparkContext sc = SparkContexts.create("sealed-spark-worker-step-test", "local[3]");
            assertTrue(BarrierRounds.sealed(sc), "the peers' exchange is sealed");
            return sc;
        } finally {
            encrypted.keySet().forEach(System::clearProperty);
        }
    }
}
