package org.micronet.models;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Which implementation computes the layers that have one of ours: MicroNet's own kernels
 * (axial convs for the factorized depthwise conv and the stem), or DL4J's built-in layers
 * (slower; kept to compare against).
 */
public enum Ops {
    @JsonProperty("micronet") MICRONET,
    @JsonProperty("dl4j") DL4J
}
