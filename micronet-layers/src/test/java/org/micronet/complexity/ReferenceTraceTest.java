package org.micronet.complexity;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.micronet.models.Models;
import org.micronet.testing.ReferenceTrace;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our per-layer parameters and MAdds equal the reference traces (PyTorch state-dict names)
 * line by line. A DY-Shift-Max layer of ours is the trace's fc.0 + fc.2 + fusion rows.
 */
class ReferenceTraceTest {

    @ParameterizedTest
    @ValueSource(strings = {"m0", "m3"})
    void everyLayerMatchesTheTrace(String model) {
        Map<String, LayerCost> ours = new LinkedHashMap<>();
        for (LayerCost c : Models.complexity(Models.bundled(model)).layers()) {
            ours.put(c.name(), c);
        }
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (ReferenceTrace.Row t : ReferenceTrace.load(model).rows()) {
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
