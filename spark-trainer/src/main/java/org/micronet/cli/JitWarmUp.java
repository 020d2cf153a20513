package org.micronet.cli;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Runs a training step until the JIT has compiled what it runs. First the usual count: the given
 * number of steps, fewer once {@link #COUNT_NANOS} have passed, at least {@link #MIN_STEPS}. Then
 * more, until the JIT spent under 1% of a stretch of at least {@link #WINDOW_NANOS} of whole steps
 * compiling, or {@link #LIMIT_NANOS} have passed. A count alone is not enough: the Vector API
 * kernels run an allocating Java fallback until C2 compiles them, and a kernel called a few times
 * a step (the head's hard swish) got there only after C1 had profiled it for many steps. At
 * 224x224, batch 64, M0's hard swish was still in C1 after 20 steps, its fallback allocating
 * 5 MB a step. The count's time bound keeps slow networks (DL4J's built-in layers, which leave
 * gigabytes a step for the garbage collector at M3 224x224) from running many steps.
 */
public final class JitWarmUp {
    static final int MIN_STEPS = 3;
    static final long COUNT_NANOS = 20_000_000_000L;
    static final long WINDOW_NANOS = 1_000_000_000L;
    static final long LIMIT_NANOS = 120_000_000_000L;
    /** The most compile time a quiet window may hold, as a fraction of it. */
    private static final double QUIET_FRACTION = 0.01;

    /** How the warm-up went: its steps, its seconds, and whether the JIT had gone quiet (else it hit the limit). */
    public record Result(int steps, double seconds, boolean quiet) {
        public String describe() {
            return String.format("%d steps in %.1f s%s", steps, seconds,
                    quiet ? "" : ", stopped at the limit while the JIT still compiled");
        }
    }

    private JitWarmUp() {
    }

    /** Runs {@code step} {@code steps} times (fewer after 20 s, at least 3), then until the JIT has gone quiet. */
    public static Result run(int steps, Runnable step) {
        long start = System.nanoTime();
        int done = 0;
        while (done < MIN_STEPS || (done < steps && System.nanoTime() - start < COUNT_NANOS)) {
            step.run();
            done++;
        }
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return new Result(done, (System.nanoTime() - start) / 1e9, true);
        }
        long windowStart = System.nanoTime();
        long compiledAtStart = jit.getTotalCompilationTime();
        while (true) {
            step.run();
            done++;
            long now = System.nanoTime();
            if (now - windowStart >= WINDOW_NANOS) {
                long compiled = jit.getTotalCompilationTime();
                boolean quiet = (compiled - compiledAtStart) * 1e6 < QUIET_FRACTION * (now - windowStart);
                if (quiet || now - start >= LIMIT_NANOS) {
                    return new Result(done, (now - start) / 1e9, quiet);
                }
                windowStart = now;
                compiledAtStart = compiled;
            }
        }
    }
}
