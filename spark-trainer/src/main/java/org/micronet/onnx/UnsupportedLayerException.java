package org.micronet.onnx;

/** A vertex of the graph that has no ONNX mapping; the message names the vertex and what it is. */
public class UnsupportedLayerException extends IllegalArgumentException {
    public UnsupportedLayerException(String vertex, String what) {
        super("cannot export vertex '" + vertex + "' to ONNX: " + what + " has no ONNX mapping");
    }
}
