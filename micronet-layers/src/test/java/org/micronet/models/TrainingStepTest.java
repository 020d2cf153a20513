package org.micronet.models;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each reference model classifies a 224 x 224 image into 1000 probabilities and takes a training step. */
class TrainingStepTest {

    @ParameterizedTest
    @ValueSource(strings = {"m0", "m1", "m2", "m3"})
    void forwardGivesProbabilitiesAndAStepChangesEveryLayer(String name) {
        ComputationGraph net = Models.create(Models.bundled(name), Models.defaults(7));
        Nd4j.getRandom().setSeed(7);
        INDArray images = Nd4j.rand(DataType.FLOAT, 2, 3, 224, 224).subi(0.5);
        INDArray probs = net.outputSingle(images);
        assertArrayEquals(new long[]{2, 1000}, probs.shape());
        assertEquals(1.0, probs.getRow(0).sumNumber().doubleValue(), 1e-4);
        assertTrue(probs.minNumber().doubleValue() >= 0);

        INDArray labels = Nd4j.zeros(DataType.FLOAT, 2, 1000);
        labels.putScalar(0, 3, 1.0);
        labels.putScalar(1, 999, 1.0);
        Map<String, INDArray> before = new HashMap<>();
        for (Layer l : net.getLayers()) {
            if (l.numParams() > 0) {
                before.put(l.conf().getLayer().getLayerName(), l.params().dup());
            }
        }
        net.fit(new DataSet(images, labels));
        assertTrue(Double.isFinite(net.score()), "loss " + net.score());
        // every parameterised layer moved: catches a layer whose gradient never arrives
        for (Layer l : net.getLayers()) {
            String layer = l.conf().getLayer().getLayerName();
            if (before.containsKey(layer)) {
                assertNotEquals(0.0, l.params().sub(before.get(layer)).norm2Number().doubleValue(), layer);
            }
        }
    }
}
