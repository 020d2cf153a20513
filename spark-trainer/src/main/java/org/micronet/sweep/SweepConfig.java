package org.micronet.sweep;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A sweep as its YAML declares it ({@code configs/sweeps/*.yaml}). Keys are dotted keys of the
 * run config ({@code epochs}, {@code data.train}) or, under {@code model.}, of the run's model
 * config ({@code model.ablation.activation}, or a short alias such as {@code model.activation}).
 * Values are written as YAML, so a value may be a list ({@code model.positions: [[1], [1, 2]]}).
 *
 * @param run     the base run config, relative to the sweep file that names it
 * @param output  the sweep directory (any Hadoop URI); each run gets a folder in it
 * @param set     overrides for every run
 * @param axes    each key with its list of values; runs are the product of all axes (a grid)
 * @param zip     groups of keys whose lists are walked together (equal lengths); each group is
 *                one axis of the product, e.g. the (J, K) pairs of Table 6
 * @param latency measure each finished run's batch-1 inference latency for Figure 5
 */
public record SweepConfig(String run, String output, LinkedHashMap<String, JsonNode> set,
                          LinkedHashMap<String, List<JsonNode>> axes, List<LinkedHashMap<String, List<JsonNode>>> zip,
                          Boolean latency) {
    public SweepConfig {
        set = set == null ? new LinkedHashMap<>() : set;
        axes = axes == null ? new LinkedHashMap<>() : axes;
        zip = zip == null ? List.of() : List.copyOf(zip);
        latency = latency != null && latency;
    }

    /** Every key the sweep varies, in order: the axes, then each zip group's keys. */
    public List<String> axisKeys() {
        List<String> keys = new ArrayList<>(axes.keySet());
        zip.forEach(group -> keys.addAll(group.keySet()));
        return keys;
    }
}
