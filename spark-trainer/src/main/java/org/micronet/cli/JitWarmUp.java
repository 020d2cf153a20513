package org.micronet.cli;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Runs a training step until the JIT has compiled what it runs: at least a given number of steps,
 * then until the JVM has compiled nothing for {@link #QUIET_NANOS} of whole steps, or
 * {@link #LIMIT_NANOS} have passed. A fixed count is not enough: the Vector API kernels run an
 * allocating Java fallback until C2 compiles them, and a kernel called a few times a step (the
 * head's hard swish) got there only after C1 had profiled it for many steps. At 224x224, batch
 * 64, M0 trained at 131-146 images/s after 20 steps and 158 after 60, when its hard swish had
 * reached C2 and the fallback's 5 MB a step were gone.
 */
public final class JitWarmUp {
    static final long QUIET_NANOS = 1_000_000_000L;
    static final long LIMIT_NANOS = 120_000_000_000L;

    /** How the warm-up went: its steps, its seconds, and whether the JIT had gone quiet (else it hit the limit). */
    public record Result(int steps, double seconds, boolean quiet) {
        public String describe() {
            return String.format("%d steps in %.1f s%s", steps, seconds,
                    quiet ? "" : ", stopped at the limit while the JIT still compiled");
        }
    }

    private JitWarmUp() {
    }

    /** Runs {@code step} at least {@code minSteps} times, then until the JIT has gone quiet. */
    public static Result run(int minSteps, Runnable step) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean observable = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime();
        long quietSince = start;
        long compiled = observable ? jit.getTotalCompilationTime() : 0;
        int steps = 0;
        while (true) {
            step.run();
            steps++;
            long now = System.nanoTime();
            if (observable) {
                long c = jit.getTotalCompilationTime();
                if (c != compiled) {
                    compiled = c;
                    quietSince = now;
                }
            }
            boolean quiet = !observable || now - quietSince >= QUIET_NANOS;
            if (steps >= minSteps && (quiet || now - start >= LIMIT_NANOS)) {
                return new Result(steps, (now - start) / 1e9, quiet);
            }
        }
    }
}
