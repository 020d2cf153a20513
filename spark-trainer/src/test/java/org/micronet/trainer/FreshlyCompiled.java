package org.micronet.trainer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Makes the JIT compile: defines this class's loop anew as a hidden class, whose code no
 * compiler has seen, and runs it until the JVM's count of compile time has risen. A warm JVM
 * otherwise compiles when it likes, which a test cannot wait for.
 */
final class FreshlyCompiled {
    private static final byte[] LOOP = bytesOf(Loop.class);

    private FreshlyCompiled() {
    }

    /** Runs fresh loops until the JIT's compile time has risen by {@code millis} (or 10 s have passed); returns the rise. */
    static long compileFor(long millis) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long start = jit.getTotalCompilationTime();
        long deadline = System.nanoTime() + 10_000_000_000L;
        try {
            while (jit.getTotalCompilationTime() - start < millis && System.nanoTime() < deadline) {
                Class<?> fresh = MethodHandles.lookup().defineHiddenClass(LOOP, true).lookupClass();
                MethodHandle spin = MethodHandles.lookup().findStatic(fresh, "spin", MethodType.methodType(long.class, int.class));
                for (int i = 0; i < 20; i++) {
                    long ignored = (long) spin.invokeExact(20_000);
                }
            }
        } catch (Throwable e) {
            throw new IllegalStateException("defining a fresh loop", e);
        }
        return jit.getTotalCompilationTime() - start;
    }

    private static byte[] bytesOf(Class<?> c) {
        try (InputStream in = c.getResourceAsStream(c.getName().substring(c.getPackageName().length() + 1) + ".class")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Hot enough that C1 and then C2 compile it, loop and method. */
    static final class Loop {
        static long spin(int n) {
            long s = 17;
            for (int i = 0; i < n; i++) {
                s = s * 31 + (s >>> 7) ^ i;
            }
            return s;
        }
    }
}
