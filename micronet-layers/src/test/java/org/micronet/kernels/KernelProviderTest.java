package org.micronet.kernels;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.micronet.models.Models;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel choice in JVMs started as users start them: without {@code --add-modules
 * jdk.incubator.vector} a FLOAT network still runs, on the references, and computes what the
 * SIMD kernels compute here; a forced or misspelt choice fails with a message saying what to do.
 */
class KernelProviderTest {

    @Test
    void withoutTheVectorModuleFloatNetworksFallBackToTheReferences(@TempDir Path tmp) throws Exception {
        assertTrue(KernelProvider.simd(), "this JVM (surefire) has the module");
        Path out = tmp.resolve("m0.bin");
        Result r = probe(List.of(), out);
        assertEquals(0, r.exit, r.log);
        assertTrue(r.log.contains("simd=false"), r.log);
        assertTrue(r.log.contains("--add-modules jdk.incubator.vector"), "the warning names the missing flag: " + r.log);
        INDArray fallback = Nd4j.fromByteArray(Files.readAllBytes(out));
        INDArray here = Probe.m0Output();
        double err = here.sub(fallback).amaxNumber().doubleValue();
        assertTrue(err <= 1e-4 * here.amaxNumber().doubleValue(), "references vs SIMD kernels: max difference " + err);
    }

    @Test
    void refCanBeForcedAndSimdWithoutTheModuleIsAnError() throws Exception {
        Result forcedRef = probe(List.of(VECTOR_MODULE, "-D" + KernelProvider.PROPERTY + "=ref"), null);
        assertEquals(0, forcedRef.exit, forcedRef.log);
        assertTrue(forcedRef.log.contains("simd=false"), forcedRef.log);

        Result forcedSimd = probe(List.of("-D" + KernelProvider.PROPERTY + "=simd"), null);
        assertTrue(forcedSimd.exit != 0
                && forcedSimd.log.contains("-Dmicronet.kernels=simd, but the JVM was started without --add-modules"),
                forcedSimd.log);

        Result misspelt = probe(List.of(VECTOR_MODULE, "-D" + KernelProvider.PROPERTY + "=fast"), null);
        assertTrue(misspelt.exit != 0 && misspelt.log.contains("-Dmicronet.kernels=fast: expected auto, ref or simd"),
                misspelt.log);
    }

    private static final String VECTOR_MODULE = "--add-modules=jdk.incubator.vector";

    private record Result(int exit, String log) {
    }

    private static Result probe(List<String> jvmFlags, Path out) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g"));
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        if (out != null) {
            cmd.add(out.toString());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        return new Result(p.waitFor(), log);
    }

    /** Prints the choice; with a path, writes M0's FLOAT output for a fixed input there. */
    public static final class Probe {
        public static void main(String[] args) throws IOException {
            System.out.println("simd=" + KernelProvider.simd());
            if (args.length == 1) {
                Files.write(Path.of(args[0]), Nd4j.toByteArray(m0Output()));
            }
        }

        static INDArray m0Output() {
            ComputationGraph net = Models.create(Models.bundled("m0").withTask(32, 10), Models.defaults(3));
            Nd4j.getRandom().setSeed(3);
            return net.outputSingle(Nd4j.randn(DataType.FLOAT, 4, 3, 32, 32));
        }
    }
}
