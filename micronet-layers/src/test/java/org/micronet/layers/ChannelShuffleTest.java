package org.micronet.layers;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.micronet.kernels.ChannelPermutation;
import org.micronet.testing.FloatParity;
import org.micronet.testing.LayerHarness;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ChannelShuffleTest {

    @Test
    void shuffleTransposesGroups() {
        // 6 channels, 2 groups: (0 1 2)(3 4 5) -> 0 3 1 4 2 5
        assertArrayEquals(new int[]{0, 3, 1, 4, 2, 5}, ChannelPermutation.shuffle(6, 2));
        ComputationGraph net = LayerHarness.graph(new ChannelShuffle("s", 2), 6, 2, 2, 1);
        INDArray x = LayerHarness.randomInput(5, 1, 6, 2, 2);
        INDArray y = net.getLayer("under-test").activate(x, false, org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces());
        int[] map = ChannelPermutation.shuffle(6, 2);
        for (int c = 0; c < 6; c++) {
            assertEquals(x.slice(0).slice(map[c]), y.slice(0).slice(c), "channel " + c);
        }
    }

    @ParameterizedTest(name = "c={0} groups={1} {2}x{3}")
    @CsvSource({"6,2,3,3", "8,4,2,3", "12,3,1,1", "4,4,3,2"})
    void gradientsMatchFiniteDifferences(int c, int groups, int h, int w) {
        ComputationGraph net = LayerHarness.graph(new ChannelShuffle("s", groups), c, h, w, 11);
        LayerHarness.assertGradientsMatch(net, LayerHarness.randomInput(2, 2, c, h, w), 2);
    }

    /** The float path (plane copies by the channel map) against ND4J's reshape-permute in double. */
    @ParameterizedTest(name = "c={0} groups={1} {2}x{3}")
    @CsvSource({"6,2,3,3", "12,3,1,1", "8,4,4,5"})
    void floatPathMatchesDouble(int c, int groups, int h, int w) {
        ComputationGraph net = LayerHarness.graph(new ChannelShuffle("s", groups), c, h, w, 11);
        FloatParity.assertFloatMatchesDouble(net, LayerHarness.randomInput(2, 3, c, h, w), 3, 1e-5);
    }

    @Test
    void groupsMustDivideChannels() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LayerHarness.graph(new ChannelShuffle("s", 4), 6, 2, 2, 1));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("'under-test'"), e.getMessage());
    }

    @Test
    void roundTripsThroughJsonAndModelSerializer() throws Exception {
        ComputationGraph net = LayerHarness.graph(new ChannelShuffle("s", 3), 6, 2, 2, 1);
        LayerHarness.assertRoundTrips(net, Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 2, 6, 2, 2));
    }
}
