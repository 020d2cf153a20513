package org.micronet.sweep;

import java.util.LinkedHashMap;

/**
 * One run of a sweep.
 *
 * @param name   its folder in the sweep directory, made from its values
 * @param values each varied key with its value as YAML text, in axis order
 */
public record SweepRun(String name, LinkedHashMap<String, String> values) {
    public SweepRun {
        values = new LinkedHashMap<>(values);
    }

    /** The values as {@code key=value} overrides, as {@code --set} takes them. */
    public String overrides() {
        StringBuilder s = new StringBuilder();
        values.forEach((k, v) -> s.append(s.isEmpty() ? "" : " ").append(k).append('=').append(v));
        return s.toString();
    }
}
