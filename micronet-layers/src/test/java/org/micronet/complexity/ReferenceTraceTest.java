package org.micronet.complexity;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.micronet.models.Models;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our per-layer parameters and MAdds equal the reference traces (PyTorch state-dict names)
 * line by line. A DY-Shift-Max layer of ours is the trace's fc.0 + fc.2 + fusion rows.
 */
class ReferenceTraceTest {

    /** The output HxW column followed by params, MAdds and fusion MAdds. */
    private static final Pattern ROW = Pattern.compile("\\d+x\\d+\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)");

    private record TraceRow(String name, long params, long madds, long fusion) {
    }

    private static List<TraceRow> trace(String model) throws IOException {
        try (InputStream in = ReferenceTraceTest.class.getResourceAsStream("/reference/reference-trace-" + model + ".txt")) {
            assertNotNull(in, "reference trace for " + model);
            List<TraceRow> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                Matcher m = ROW.matcher(line);
                if ((line.startsWith("features.") || line.startsWith("classifier.")) && m.find()) {
                    rows.add(new TraceRow(line.split("\\s+")[0], Long.parseLong(m.group(1)),
                            Long.parseLong(m.group(2)), Long.parseLong(m.group(3))));
                }
            }
            return rows;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"m0", "m3"})
    void everyLayerMatchesTheTrace(String model) throws IOException {
        Map<String, LayerCost> ours = new LinkedHashMap<>();
        for (LayerCost c : Models.complexity(Models.bundled(model)).layers()) {
            ours.put(c.name(), c);
        }
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (TraceRow t : trace(model)) {
            if (t.params() == 0 && t.madds() == 0 && t.fusion() == 0) {
                continue;
            }
            String owner = owner(t.name(), ours);
            long[] sum = expected.computeIfAbsent(owner, k -> new long[3]);
            sum[0] += t.params();
            sum[1] += t.madds();
            sum[2] += t.fusion();
        }
        assertTrue(expected.size() > 40, "read only " + expected.size() + " layers from the trace");
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            LayerCost c = ours.get(e.getKey());
            assertEquals(e.getValue()[0], c.params(), e.getKey() + " params");
            assertEquals(e.getValue()[1], c.madds(), e.getKey() + " madds");
            assertEquals(e.getValue()[2], c.fusionMadds(), e.getKey() + " fusion madds");
        }
        for (LayerCost c : ours.values()) {
            if (c.params() > 0 || c.madds() > 0) {
                assertTrue(expected.containsKey(c.name()), "layer " + c.name() + " is not in the reference trace");
            }
        }
    }

    /** Our layer a trace row belongs to: the same name, or the longest of ours it extends. */
    private static String owner(String traceName, Map<String, LayerCost> ours) {
        String name = traceName.replace("(fusion)", "");
        while (!ours.containsKey(name)) {
            int dot = name.lastIndexOf('.');
            assertTrue(dot > 0, "no layer of ours for trace row " + traceName);
            name = name.substring(0, dot);
        }
        return name;
    }
}
