package org.micronet.layers;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.micronet.testing.FloatParity;
import org.micronet.testing.LayerHarness;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class MaxGroupPoolingTest {

    @Test
    void takesTheMaximumOfEachChannelGroup() {
        ComputationGraph net = LayerHarness.graph(new MaxGroupPooling("mgp", 2), 4, 1, 1, 1);
        INDArray x = Nd4j.createFromArray(1.0, -5.0, -2.0, 3.0).reshape(1, 4, 1, 1);
        INDArray y = net.getLayer("under-test").activate(x, false, LayerWorkspaceMgr.noWorkspaces());
        assertArrayEquals(new long[]{1, 2, 1, 1}, y.shape());
        assertArrayEquals(new double[]{1.0, 3.0}, y.reshape(2).toDoubleVector(), 0.0);
    }

    @ParameterizedTest(name = "c={0} size={1} {2}x{3}")
    @CsvSource({"6,2,3,3", "6,3,2,1", "8,4,1,3"})
    void gradientsMatchFiniteDifferences(int c, int size, int h, int w) {
        ComputationGraph net = LayerHarness.graph(new MaxGroupPooling("mgp", size), c, h, w, 13);
        LayerHarness.assertGradientsMatch(net, LayerHarness.randomInput(4, 2, c, h, w), 4);
    }

    @ParameterizedTest(name = "c={0} size={1} {2}x{3}")
    @CsvSource({"6,2,3,3", "6,3,1,1", "8,4,5,7"})
    void floatPathMatchesDouble(int c, int size, int h, int w) {
        ComputationGraph net = LayerHarness.graph(new MaxGroupPooling("mgp", size), c, h, w, 13);
        FloatParity.assertFloatMatchesDouble(net, LayerHarness.randomInput(4, 3, c, h, w), 5, 1e-5);
    }

    @Test
    void roundTripsThroughJsonAndModelSerializer() throws Exception {
        ComputationGraph net = LayerHarness.graph(new MaxGroupPooling("mgp", 2), 4, 2, 2, 1);
        LayerHarness.assertRoundTrips(net, LayerHarness.randomInput(6, 2, 4, 2, 2));
    }
}
