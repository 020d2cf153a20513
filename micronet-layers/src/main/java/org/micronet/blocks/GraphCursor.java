package org.micronet.blocks;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.micronet.models.Ops;

/**
 * Appends layers to a DL4J graph one after another, remembering the last vertex and the
 * channel count flowing out of it, so that blocks read as the sequence they are. It also
 * carries the model's {@link Ops}, so every block can pick the layers' implementation.
 */
public final class GraphCursor {
    private final ComputationGraphConfiguration.GraphBuilder graph;
    private final Ops ops;
    private String last;
    private int channels;

    public GraphCursor(ComputationGraphConfiguration.GraphBuilder graph, String input, int channels, Ops ops) {
        this.graph = graph;
        this.ops = ops;
        this.last = input;
        this.channels = channels;
    }

    public GraphCursor layer(String name, Layer layer) {
        graph.addLayer(name, layer, last);
        last = name;
        return this;
    }

    /** A layer that changes the channel count. */
    public GraphCursor layer(String name, Layer layer, int channelsOut) {
        layer(name, layer);
        channels = channelsOut;
        return this;
    }

    public GraphCursor vertex(String name, GraphVertex vertex, String... inputs) {
        graph.addVertex(name, vertex, inputs);
        last = name;
        return this;
    }

    public String last() {
        return last;
    }

    public int channels() {
        return channels;
    }

    public Ops ops() {
        return ops;
    }

    public ComputationGraphConfiguration.GraphBuilder graph() {
        return graph;
    }
}
