package org.micronet.models;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.micronet.complexity.ComplexityCounter;
import org.micronet.complexity.ComplexityReport;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** M0-M3 have exactly the reference's parameter and multiply-add counts; the baselines count as before. */
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

    /** Our k x k depthwise conv counts as DL4J's layer it replaces: the counts of ops dl4j, which has that layer. */
    @ParameterizedTest
    @ValueSource(strings = {"mobilenetv3-small-1.0", "mobilenetv3-small-0.35", "table2-1-mobile"})
    void theDepthwiseConvCountsAsTheDl4jLayer(String name) {
        ModelConfig cfg = Models.bundled(name);
        ComplexityReport ours = Models.complexity(cfg);
        ComplexityReport dl4j = Models.complexity(cfg.withOps(Ops.DL4J));
        assertEquals(dl4j.params(), ours.params(), "params");
        assertEquals(dl4j.madds(), ours.madds(), "madds");
        assertEquals(dl4j.maddsWithFusion(), ours.maddsWithFusion(), "madds with fusion");
    }

    @ParameterizedTest
    @ValueSource(strings = {"m0", "m3"})
    void theBuiltNetworkHoldsThatManyTrainableParameters(String name) {
        ModelConfig cfg = Models.bundled(name);
        ComputationGraph net = Models.create(cfg, Models.defaults(1));
        assertEquals(cfg.expected().params(), net.numParams() - ComplexityCounter.runningStatistics(net.getConfiguration()));
    }
}
