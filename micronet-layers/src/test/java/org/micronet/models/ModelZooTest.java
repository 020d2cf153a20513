package org.micronet.models;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.complexity.ComplexityReport;
import org.micronet.testing.Repo;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every model, baseline and ablation config under configs/ builds, counts and runs a forward pass. */
class ModelZooTest {

    static List<Path> configs() {
        return Repo.modelConfigs();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void buildsCountsAndRuns(Path file) {
        ModelConfig cfg = Models.load(file);
        String fileName = file.getFileName().toString().replace(".yaml", "");
        assertEquals(cfg, Models.bundled(fileName), "the jar bundles the same config");

        ComplexityReport report = Models.complexity(cfg);
        System.out.printf("%-32s params %,10d  madds %,12d  with fusion %,12d%n", fileName, report.params(),
                report.madds(), report.maddsWithFusion());
        if (cfg.expected() != null) {
            assertEquals(cfg.expected().params(), report.params(), "params");
            if (cfg.expected().madds() != null) {
                assertEquals(cfg.expected().madds(), report.madds(), "madds");
                assertEquals(cfg.expected().maddsWithFusion(), report.maddsWithFusion(), "madds with fusion");
            }
        }
        assertTrue(cfg.paper() != null && cfg.paper().table() != null, "every config names the paper row it reproduces");

        ComputationGraph net = Models.create(cfg, Models.defaults(3));
        Nd4j.getRandom().setSeed(3);
        INDArray out = net.outputSingle(Nd4j.rand(DataType.FLOAT, 1, 3, cfg.inputSize(), cfg.inputSize()));
        assertArrayEquals(new long[]{1, cfg.classes()}, out.shape());
        assertEquals(1.0, out.sumNumber().doubleValue(), 1e-4);
    }

    /** The kernels take the channel count from the configuration: an image of one channel is refused, naming the stem, not read past. */
    @Test
    void anInputWithoutThreeChannelsIsRefusedNamingTheStem() {
        ModelConfig cfg = Models.bundled("m0");
        ComputationGraph net = Models.create(cfg, Models.defaults(3));
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray gray = Nd4j.rand(type, 2, 1, cfg.inputSize(), cfg.inputSize());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> net.convertDataType(type).outputSingle(gray), type.toString());
            assertEquals("Layer 'features.0.stem.0.conv.0' expects 3 input channels (NCHW), got shape [2, 1, "
                    + cfg.inputSize() + ", " + cfg.inputSize() + "]", e.getMessage());
        }
    }
}
