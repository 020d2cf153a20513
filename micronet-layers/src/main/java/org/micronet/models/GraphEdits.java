package org.micronet.models;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reading and rewiring a graph configuration's vertices, for the rewrites that fold layers into others. */
final class GraphEdits {
    private GraphEdits() {
    }

    /** The layer of a layer vertex, null for other vertices. */
    static Layer layerOf(GraphVertex v) {
        return v instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
    }

    static Layer layerOf(ComputationGraphConfiguration conf, String vertex) {
        return layerOf(conf.getVertices().get(vertex));
    }

    /** Exactly one vertex reads {@code vertex}, and it is not a network output. */
    static boolean soleConsumer(ComputationGraphConfiguration conf, String vertex) {
        long consumers = conf.getVertexInputs().values().stream().flatMap(List::stream).filter(vertex::equals).count();
        return consumers == 1 && !conf.getNetworkOutputs().contains(vertex);
    }

    /** The (first) vertex that reads {@code vertex}. */
    static String consumerOf(ComputationGraphConfiguration conf, String vertex) {
        return conf.getVertexInputs().entrySet().stream().filter(e -> e.getValue().contains(vertex))
                .map(Map.Entry::getKey).findFirst().orElseThrow();
    }

    /** A layer vertex with one input and no preprocessor. */
    static boolean unprocessed(ComputationGraphConfiguration conf, String vertex) {
        return conf.getVertices().get(vertex) instanceof LayerVertex v && v.getPreProcessor() == null
                && conf.getVertexInputs().get(vertex).size() == 1;
    }

    /** Takes {@code vertex} out of the graph; what read it reads {@code replacement}. */
    static void remove(ComputationGraphConfiguration conf, String vertex, String replacement) {
        conf.getVertices().remove(vertex);
        conf.getVertexInputs().remove(vertex);
        conf.getVertexInputs().replaceAll((v, inputs) -> renamed(inputs, vertex, replacement));
        conf.setNetworkOutputs(renamed(conf.getNetworkOutputs(), vertex, replacement));
    }

    /** Forgets the order DL4J cached, which may name vertices that are gone. */
    static void reordered(ComputationGraphConfiguration conf) {
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
    }

    private static List<String> renamed(List<String> names, String from, String to) {
        List<String> out = new ArrayList<>(names);
        out.replaceAll(n -> n.equals(from) ? to : n);
        return out;
    }
}
