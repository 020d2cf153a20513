package org.micronet.models;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.micronet.complexity.ComplexityCounter;
import org.micronet.complexity.ComplexityReport;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** M0-M3 have exactly the reference's parameter and multiply-add counts. */
class ReferenceModelsTest {

    @ParameterizedTest
    @ValueSource(strings = {"m0", "m1", "m2", "m3"})
    void countsEqualTheSpec(String name) {
        ModelConfig cfg = Models.bundled(name);
        ComplexityReport report = Models.complexity(cfg);
        System.out.println(name + "\n" + report.format());
        assertEquals(cfg.expected().params(), report.params(), "params");
        assertEquals(cfg.expected().madds(), report.madds(), "madds");
        assertEquals(cfg.expected().maddsWithFusion(), report.maddsWithFusion(), "madds with fusion");
    }

    @ParameterizedTest
    @ValueSource(strings = {"m0", "m3"})
    void theBuiltNetworkHoldsThatManyTrainableParameters(String name) {
        ModelConfig cfg = Models.bundled(name);
        ComputationGraph net = Models.create(cfg, Models.defaults(1));
        assertEquals(cfg.expected().params(), net.numParams() - ComplexityCounter.runningStatistics(net.getConfiguration()));
    }
}
