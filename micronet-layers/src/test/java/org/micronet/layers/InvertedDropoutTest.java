package org.micronet.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.micronet.models.Models;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link InvertedDropout} against DL4J's {@link Dropout}: the same draws, outputs and gradients. */
class InvertedDropoutTest {
    private static final double KEEP = 0.8;

    @Test
    void dropsAndScalesAsDl4jsDropoutFromTheSameSeed() {
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            // 7 x 37: not a multiple of any vector width; then a second, smaller call, on a longer ones array
            for (long[] shape : new long[][]{{7, 37}, {3, 5}}) {
                INDArray x = Nd4j.rand(type, shape).addi(0.5);
                INDArray dy = Nd4j.rand(type, shape);
                Dropout dl4j = new Dropout(KEEP);
                InvertedDropout ours = new InvertedDropout(KEEP);
                Nd4j.getRandom().setSeed(9);
                INDArray expected = dl4j.applyDropout(x, x.ulike(), 0, 0, LayerWorkspaceMgr.noWorkspaces());
                Nd4j.getRandom().setSeed(9);
                INDArray actual = ours.applyDropout(x, x.ulike(), 0, 0, LayerWorkspaceMgr.noWorkspaces());
                assertArrayEquals(expected.data().asDouble(), actual.data().asDouble(), type + " output");
                double dropped = actual.eq(0).castTo(DataType.DOUBLE).meanNumber().doubleValue();
                assertTrue(dropped > 0.05 && dropped < 0.5, type + ": dropped " + dropped + " of the activations, keep " + KEEP);
                assertArrayEquals(dl4j.backprop(dy, dy.ulike(), 0, 0).data().asDouble(),
                        ours.backprop(dy, dy.ulike(), 0, 0).data().asDouble(), type + " gradient");
            }
        }
    }

    /** DL4J clones every layer configuration before it builds a network, and Spark's workers read its JSON. */
    @Test
    void staysItselfThroughCloneAndJsonAndIsNotTakenForDl4jsClass() {
        InvertedDropout ours = new InvertedDropout(KEEP);
        assertInstanceOf(InvertedDropout.class, ours.clone());
        assertEquals(ours, ours.clone());
        assertNotEquals(new Dropout(KEEP), ours);
        assertNotEquals(ours, new Dropout(KEEP));
        assertNotEquals(new InvertedDropout(0.5), ours);

        ComputationGraphConfiguration conf = Models.graph(Models.bundled("m0"), Models.defaults(1));
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        DropoutLayer layer = (DropoutLayer) ((LayerVertex) back.getVertices().get("classifier.1")).getLayerConf().getLayer();
        assertEquals(new InvertedDropout(0.95), layer.getIDropout());  // m0.yaml: dropout 0.05
    }
}
