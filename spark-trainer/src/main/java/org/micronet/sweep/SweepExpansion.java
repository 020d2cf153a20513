package org.micronet.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.micronet.config.ConfigException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The runs of a sweep: the product of its axes and zip groups, the first axis varying slowest,
 * each run named by {@link RunNames}. A sweep without axes is one run.
 */
public final class SweepExpansion {
    private SweepExpansion() {
    }

    public static List<SweepRun> expand(SweepConfig cfg) {
        // every axis becomes a list of steps; a step sets one key (an axis) or several (a zip group)
        List<List<Map<String, JsonNode>>> dimensions = new ArrayList<>();
        cfg.axes().forEach((key, values) -> dimensions.add(values.stream().map(v -> Map.of(key, v)).toList()));
        for (var group : cfg.zip()) {
            int length = group.values().iterator().next().size();
            List<Map<String, JsonNode>> steps = new ArrayList<>();
            for (int i = 0; i < length; i++) {
                Map<String, JsonNode> step = new LinkedHashMap<>();
                for (var e : group.entrySet()) {
                    step.put(e.getKey(), e.getValue().get(i));
                }
                steps.add(step);
            }
            dimensions.add(steps);
        }
        List<LinkedHashMap<String, JsonNode>> combos = new ArrayList<>();
        combos.add(new LinkedHashMap<>());
        for (List<Map<String, JsonNode>> dimension : dimensions) {
            List<LinkedHashMap<String, JsonNode>> next = new ArrayList<>();
            for (var combo : combos) {
                for (var step : dimension) {
                    LinkedHashMap<String, JsonNode> c = new LinkedHashMap<>(combo);
                    c.putAll(step);
                    next.add(c);
                }
            }
            combos = next;
        }
        List<SweepRun> runs = new ArrayList<>();
        Map<String, LinkedHashMap<String, JsonNode>> byName = new LinkedHashMap<>();
        for (var combo : combos) {
            String name = RunNames.of(combo, cfg.axisKeys());
            var clash = byName.put(name, combo);
            if (clash != null) {
                throw new ConfigException("sweep runs " + clash + " and " + combo + " get the same directory name '"
                        + name + "'; make the values differ in letters or digits");
            }
            LinkedHashMap<String, String> values = new LinkedHashMap<>();
            combo.forEach((k, v) -> values.put(k, yaml(v)));
            runs.add(new SweepRun(name, values));
        }
        return runs;
    }

    /** A value as YAML text for {@code StrictYaml.set}: scalars as written, lists and maps as flow YAML (JSON). */
    static String yaml(JsonNode value) {
        return value.isTextual() ? yamlString(value.asText()) : value.toString();
    }

    /** A string as YAML text: plain when YAML reads it back as the same string, else quoted. */
    static String yamlString(String text) {
        return text.matches("[A-Za-z0-9_./:+-]+") && !text.matches("(?i)true|false|yes|no|on|off|null|~|[-+0-9.eE]+")
                ? text : TextNode.valueOf(text).toString();
    }
}
