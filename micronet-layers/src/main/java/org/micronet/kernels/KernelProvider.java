package org.micronet.kernels;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Chooses, once per JVM, whether float layers run the Vector API kernels of
 * {@code kernels.simd} or the double references of this package (widening their inputs).
 *
 * <p>The SIMD kernels need the JVM started with {@code --add-modules jdk.incubator.vector}
 * and the C2 compiler (interpreted or C1 code runs the API's allocating fallback, many times
 * slower than plain loops). They are loaded by class name, so a JVM without the module falls
 * back instead of failing to link. {@code -Dmicronet.kernels=ref} forces the references,
 * {@code simd} makes a missing module an error; the default {@code auto} logs the choice,
 * on every Spark executor too, since a missing flag there only costs speed.
 */
public final class KernelProvider {
    public static final String PROPERTY = "micronet.kernels";
    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final Logger LOG = LoggerFactory.getLogger(KernelProvider.class);
    private static final boolean SIMD = decide(System.getProperty(PROPERTY, "auto"));

    private KernelProvider() {
    }

    /** Whether float layers run the SIMD kernels. */
    public static boolean simd() {
        return SIMD;
    }

    /**
     * The SIMD implementation {@code simdClass} (a simple name in {@code kernels.simd}) of the
     * kernel interface {@code api}, or null when this JVM runs the references.
     */
    public static <T> T fast(Class<T> api, String simdClass) {
        if (!SIMD) {
            return null;
        }
        String name = KernelProvider.class.getPackageName() + ".simd." + simdClass;
        try {
            return api.cast(Class.forName(name).getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("SIMD kernel " + name + " could not be loaded", e);
        }
    }

    private static boolean decide(String mode) {
        String reason = unavailable();
        switch (mode) {
            case "ref" -> {
                LOG.info("MicroNet kernels: double references (-D{}=ref)", PROPERTY);
                return false;
            }
            case "simd" -> {
                if (reason != null) {
                    throw new IllegalStateException("-D" + PROPERTY + "=simd, but " + reason);
                }
            }
            case "auto" -> {
                if (reason != null) {
                    LOG.warn("MicroNet kernels: double references, several times slower, because {}", reason);
                    return false;
                }
            }
            default -> throw new IllegalArgumentException("-D" + PROPERTY + "=" + mode
                    + ": expected auto, ref or simd");
        }
        LOG.info("MicroNet kernels: float32 SIMD, {}-bit vectors", simdBits());
        return true;
    }

    /** Why the SIMD kernels cannot run here, or null when they can. */
    private static String unavailable() {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            return "the JVM was started without --add-modules " + VECTOR_MODULE
                    + " (see deploy/java17-add-opens.conf)";
        }
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        if (args.stream().anyMatch(a -> a.startsWith("-XX:TieredStopAtLevel=") && !a.endsWith("=4")
                || a.equals("-Xint"))) {
            return "the C2 compiler is off (" + String.join(" ", args.stream()
                    .filter(a -> a.startsWith("-XX:TieredStopAtLevel") || a.equals("-Xint")).toList()) + ")";
        }
        return null;
    }

    private static int simdBits() {
        try {
            return (int) Class.forName(KernelProvider.class.getPackageName() + ".simd.Lanes")
                    .getDeclaredMethod("bits").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
