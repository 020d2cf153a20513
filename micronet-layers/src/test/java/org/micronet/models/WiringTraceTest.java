package org.micronet.models;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.micronet.models.Wiring.Step;
import org.micronet.testing.ArchitectureSpec;
import org.micronet.testing.ReferenceTrace;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our MicroNets are wired as the reference: layer by layer in data-flow order, the conv and
 * pointwise groups, kernels and strides, the channel shuffle groups, and the DY-Shift-Max J, K,
 * shift groups, shift index, squeeze and initial offsets. M0 and M3 against the reference
 * traces; M1 and M2, which have none, against the spec's rules applied to its block table, a
 * derivation checked here against both traces.
 */
class WiringTraceTest {

    @ParameterizedTest
    @ValueSource(strings = {"m0", "m3"})
    void ourGraphIsWiredAsTheReferenceTrace(String model) {
        List<Step> expected = TraceWiring.of(ReferenceTrace.load(model), ArchitectureSpec.model(model));
        assertCovers(model + " trace", expected);
        Wiring.assertSame(model + ", ours against the reference trace", expected, ours(model));
    }

    @ParameterizedTest
    @ValueSource(strings = {"m1", "m2"})
    void ourGraphIsWiredAsTheSpecSays(String model) {
        List<Step> expected = SpecWiring.of(ArchitectureSpec.model(model));
        assertCovers(model + " spec", expected);
        Wiring.assertSame(model + ", ours against the spec's rules", expected, ours(model));
    }

    /** What vouches for the M1 and M2 expectations: the same rules give the traces of M0 and M3. */
    @ParameterizedTest
    @ValueSource(strings = {"m0", "m3"})
    void theSpecsRulesGiveTheReferenceTrace(String model) {
        Wiring.assertSame(model + ", the spec's rules against the reference trace",
                TraceWiring.of(ReferenceTrace.load(model), ArchitectureSpec.model(model)),
                SpecWiring.of(ArchitectureSpec.model(model)));
    }

    private static List<Step> ours(String model) {
        ModelConfig cfg = Models.bundled(model);
        return GraphWiring.of(Models.referenceGraph(cfg, Models.defaults(0)));
    }

    /** The expectation is about something: every kind of wiring is in it. */
    private static void assertCovers(String what, List<Step> expected) {
        for (String kind : List.of(Wiring.CONV, Wiring.BATCH_NORM, Wiring.SHUFFLE, Wiring.SHIFT_MAX, Wiring.RELU6,
                Wiring.LINEAR)) {
            assertTrue(Wiring.count(expected, kind) > 0, what + " has no " + kind);
        }
        System.out.printf("%s: %d layers, %d convs, %d shuffles, %d DY-Shift-Max, %d residual adds%n", what,
                expected.size(), Wiring.count(expected, Wiring.CONV), Wiring.count(expected, Wiring.SHUFFLE),
                Wiring.count(expected, Wiring.SHIFT_MAX), Wiring.count(expected, Wiring.ADD));
    }
}
