package org.micronet.models;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A network's wiring as the reference traces record it: its layers in data-flow order, each
 * with the numbers that connect channels (groups, kernel, stride, shuffle groups, the Shift-Max
 * J, K, shift groups, shift index and offsets). {@link TraceWiring}, {@link SpecWiring} and
 * {@link GraphWiring} produce it from the trace, from the spec's rules and from our graph.
 */
final class Wiring {
    static final String CONV = "conv";
    static final String BATCH_NORM = "batch norm";
    static final String SHUFFLE = "channel shuffle";
    static final String RELU6 = "ReLU6";
    static final String SHIFT_MAX = "DY-Shift-Max";
    static final String ADD = "residual add";
    static final String LINEAR = "linear";

    private Wiring() {
    }

    /** One layer: its name (our vertex name), what it is, and its wiring fields as text. */
    record Step(String name, String kind, Map<String, String> fields) {
        static Step of(String name, String kind, Object... keysAndValues) {
            Map<String, String> fields = new LinkedHashMap<>();
            for (int i = 0; i < keysAndValues.length; i += 2) {
                fields.put((String) keysAndValues[i], String.valueOf(keysAndValues[i + 1]));
            }
            return new Step(name, kind, fields);
        }

        @Override
        public String toString() {
            return name + " " + kind + (fields.isEmpty() ? "" : " " + fields);
        }
    }

    static Step conv(String name, int cin, int cout, int groups, String kernel, String stride) {
        return Step.of(name, CONV, "in", cin, "out", cout, "groups", groups, "kernel", kernel, "stride", stride);
    }

    static Step batchNorm(String name, int channels) {
        return Step.of(name, BATCH_NORM, "channels", channels);
    }

    static Step shuffle(String name, int groups) {
        return Step.of(name, SHUFFLE, "groups", groups);
    }

    static Step relu6(String name) {
        return Step.of(name, RELU6);
    }

    static Step add(String name) {
        return Step.of(name, ADD);
    }

    static Step linear(String name, int in, int out) {
        return Step.of(name, LINEAR, "in", in, "out", out);
    }

    /**
     * @param shiftIndex the first shifted copy reads input channel shiftIndex[c] at channel c;
     *                   only its first 6 entries are kept, as the traces print them
     * @param offsetsA   the offsets of the unshifted input, one per fusion (K of them)
     * @param offsetsB   the offsets of the shifted copy, one per fusion
     */
    static Step shiftMax(String name, int channels, int j, int k, int g, int gc, int[] shiftIndex, int squeeze,
                         double[] offsetsA, double[] offsetsB) {
        return Step.of(name, SHIFT_MAX, "channels", channels, "J", j, "K", k, "shift groups g", g, "gc", gc,
                "idx[:6]", Arrays.toString(Arrays.copyOf(shiftIndex, Math.min(6, shiftIndex.length))),
                "squeeze", squeeze, "offsets a", Arrays.toString(offsetsA), "offsets b", Arrays.toString(offsetsB));
    }

    static long count(List<Step> steps, String kind) {
        return steps.stream().filter(s -> s.kind().equals(kind)).count();
    }

    /**
     * The same layers in the same order, and every field {@code expected} states has the same
     * value in {@code ours}. Fails naming the layer and the field, with every mismatch listed.
     */
    static void assertSame(String what, List<Step> expected, List<Step> ours) {
        for (int i = 0; i < Math.max(expected.size(), ours.size()); i++) {
            String e = i < expected.size() ? expected.get(i).name() : "(end)";
            String o = i < ours.size() ? ours.get(i).name() : "(end)";
            if (!e.equals(o)) {
                fail(what + ": layer order differs at position " + i + ": expected " + e + ", ours is " + o
                        + "\n  expected: " + names(expected, i) + "\n  ours:     " + names(ours, i));
            }
        }
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            Step e = expected.get(i), o = ours.get(i);
            if (!e.kind().equals(o.kind())) {
                mismatches.add(e.name() + ": is a " + o.kind() + ", expected a " + e.kind());
                continue;
            }
            e.fields().forEach((key, value) -> {
                if (!Objects.equals(value, o.fields().get(key))) {
                    mismatches.add(e.name() + " (" + e.kind() + "): " + key + " expected " + value
                            + " but ours is " + o.fields().get(key));
                }
            });
        }
        if (!mismatches.isEmpty()) {
            fail(what + ": " + mismatches.size() + " wiring mismatches:\n  " + String.join("\n  ", mismatches));
        }
    }

    /** The names around position i, for an order failure. */
    private static String names(List<Step> steps, int i) {
        return String.join(", ", steps.subList(Math.max(0, i - 2), Math.min(steps.size(), i + 3)).stream()
                .map(Step::name).toList());
    }
}
