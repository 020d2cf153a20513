package org.micronet.cli;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JitWarmUpTest {
    @Test
    void runsAtLeastTheMinimumThenStopsOnceTheJitIsQuiet() {
        AtomicInteger calls = new AtomicInteger();
        JitWarmUp.Result r = JitWarmUp.run(25, calls::incrementAndGet);
        assertEquals(calls.get(), r.steps());
        assertTrue(r.steps() >= 25, r.describe());
        assertTrue(r.quiet(), r.describe());
        // it watched the JIT for a second, which 25 empty calls alone do not take
        assertTrue(r.seconds() >= JitWarmUp.WINDOW_NANOS / 1e9, r.describe());
    }
}
