package org.micronet.models;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The distinct (layer configuration, input type) pairs of one layer class in a bundled model at
 * a given input size, read from the model's graph: kernel tests and benchmarks take their real
 * shapes from the config code, not from a copied table.
 */
public final class ModelShapes {
    private ModelShapes() {
    }

    public record Use<L extends Layer>(L layer, InputType input) {
    }

    public static <L extends Layer> List<Use<L>> of(String model, int inputSize, Class<L> layerClass) {
        ComputationGraphConfiguration conf = Models.graph(Models.bundled(model), Models.defaults(0));
        Map<String, InputType> types = conf.getLayerActivationTypes(InputType.convolutional(inputSize, inputSize, 3));
        Set<Use<L>> distinct = new LinkedHashSet<>();
        conf.getVertices().forEach((name, vertex) -> {
            if (vertex instanceof LayerVertex lv && layerClass.isInstance(lv.getLayerConf().getLayer())) {
                L layer = layerClass.cast(lv.getLayerConf().getLayer().clone());
                layer.setLayerName(null);
                InputType in = types.get(conf.getVertexInputs().get(name).get(0));
                distinct.add(new Use<>(layer, in));
            }
        });
        return new ArrayList<>(distinct);
    }

    /** Channels and plane size of a convolutional or feed-forward input: {c, hw}. */
    public static int[] channelsAndPlane(InputType in) {
        if (in instanceof InputType.InputTypeConvolutional conv) {
            return new int[]{(int) conv.getChannels(), (int) (conv.getHeight() * conv.getWidth())};
        }
        return new int[]{(int) ((InputType.InputTypeFeedForward) in).getSize(), 1};
    }
}
