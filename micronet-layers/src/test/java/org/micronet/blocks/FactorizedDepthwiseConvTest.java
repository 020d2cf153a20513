package org.micronet.blocks;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.micronet.models.Ops;
import org.micronet.testing.LayerHarness;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Micro-Factorized depthwise conv (k x 1 then 1 x k, multipliers, strides, batch norms) as the
 * blocks build it: output shapes and a double-precision gradient check over several shapes,
 * with our axial convs and (one shape) with DL4J's depthwise convs.
 * Batch norm under a summed loss of ~50 leaves ~1e-5 of finite-difference noise: hence 1e-4.
 */
class FactorizedDepthwiseConvTest {

    @ParameterizedTest(name = "c={0} k={1} e1={2} e2={3} stride={4} {5}x{6} ops {7}")
    @CsvSource({"2,3,2,2,2,7,9,MICRONET", "3,5,1,1,1,5,5,MICRONET", "2,3,1,2,2,6,5,MICRONET", "4,5,2,1,1,3,7,MICRONET",
            "2,3,2,2,2,7,9,DL4J"})
    void shapesAndGradients(int c, int k, int e1, int e2, int stride, int h, int w, Ops ops) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.DOUBLE).updater(new NoOp()).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(h, w, c));
        GraphCursor cur = new GraphCursor(g, "in", c, ops);
        FactorizedDepthwiseConv.add(cur, "dw", k, e1, e2, stride);
        g.addLayer("loss", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(),
                cur.last()).setOutputs("loss");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();

        INDArray x = LayerHarness.randomInput(4, 3, c, h, w);
        INDArray y = net.outputSingle(x);
        int outH = (h + 2 * (k / 2) - k) / stride + 1;
        int outW = (w + 2 * (k / 2) - k) / stride + 1;
        assertArrayEquals(new long[]{3, (long) c * e1 * e2, outH, outW}, y.shape(), "padding k/2 keeps the size at stride 1");

        Set<String> runningStatistics = new HashSet<>();
        for (String key : net.paramTable().keySet()) {
            if (key.endsWith("_mean") || key.endsWith("_log10stdev") || key.endsWith("_var")) {
                runningStatistics.add(key);
            }
        }
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
                .net(net).inputs(new INDArray[]{x}).labels(new INDArray[]{LayerHarness.randomInput(5, y.shape())})
                .epsilon(1e-6).maxRelError(1e-4).minAbsoluteError(1e-8).excludeParams(runningStatistics)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false));
        assertTrue(ok, "gradient check");
    }
}
