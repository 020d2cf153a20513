package org.micronet.models;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.junit.jupiter.api.Test;
import org.micronet.testing.LayerHarness;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A gradient check through a whole (tiny) MicroNet in double precision: stem, blocks A, B and
 * C, a residual add, factorized depthwise convs, shuffles, batch norms, head. Catches wiring
 * mistakes that per-layer checks cannot (a gradient lost between vertices).
 */
class WholeNetworkGradientTest {

    // one check takes about a minute (a subset of each parameter array); other activations
    // are covered layer by layer in DynamicShiftMaxTest
    @Test
    void gradientsMatchFiniteDifferences() throws Exception {
        ModelConfig cfg = Models.load(Path.of(WholeNetworkGradientTest.class.getResource("/models/tiny.yaml").toURI()));
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder()
                .seed(5).dataType(DataType.DOUBLE).updater(new NoOp());
        ComputationGraph net = Models.create(cfg, base);
        INDArray x = LayerHarness.randomInput(5, 3, 3, 16, 16);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 3, 5);
        labels.putScalar(0, 1, 1.0);
        labels.putScalar(1, 4, 1.0);
        labels.putScalar(2, 0, 1.0);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
                .net(net).inputs(new INDArray[]{x}).labels(new INDArray[]{labels})
                .epsilon(1e-6).maxRelError(1e-4).minAbsoluteError(1e-8)
                .subset(true).maxPerParam(4).excludeParams(runningStatistics(net))
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false));
        assertTrue(ok, "whole-network gradient check");
    }

    /** Batch norm's running mean and deviation are state that DL4J stores as parameters. */
    private static Set<String> runningStatistics(ComputationGraph net) {
        Set<String> keys = new HashSet<>();
        for (String key : net.paramTable().keySet()) {
            if (key.endsWith("_" + BatchNormalizationParamInitializer.GLOBAL_MEAN)
                    || key.endsWith("_" + BatchNormalizationParamInitializer.GLOBAL_LOG_STD)
                    || key.endsWith("_" + BatchNormalizationParamInitializer.GLOBAL_VAR)) {
                keys.add(key);
            }
        }
        return keys;
    }
}
