package org.micronet.models;

import org.micronet.config.ConfigException;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.complexity.ComplexityCounter;
import org.micronet.complexity.ComplexityReport;
import org.micronet.layers.MinibatchMeanUpdater;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;

import java.nio.file.Path;
import java.util.List;

/**
 * The front door to models: read a config (from a file, or a bundled one by name such as
 * {@code m0} or {@code mobilenetv3-small-1.0}) and build its DL4J graph.
 */
public final class Models {
    /** Where the bundled copies of {@code configs/} sit on the classpath. */
    public static final String BUNDLED = "configs/";
    private static final List<String> BUNDLED_DIRS = List.of("models/", "baselines/", "ablations/");

    private Models() {
    }

    public static ModelConfig load(Path file) {
        return ModelConfigLoader.load(file);
    }

    /** A config shipped in the jar, by name (the file name without .yaml) from models/, baselines/ or ablations/. */
    public static ModelConfig bundled(String name) {
        for (String dir : BUNDLED_DIRS) {
            ModelConfig cfg = ModelConfigLoader.resource(BUNDLED + dir + name + ".yaml");
            if (cfg != null) {
                return cfg;
            }
        }
        throw new ConfigException("No bundled model config named '" + name + "' (looked in "
                + BUNDLED + "{" + String.join(",", BUNDLED_DIRS) + "})");
    }

    /** A path to a YAML file, or the name of a bundled config. */
    public static ModelConfig resolve(String pathOrName) {
        Path p = Path.of(pathOrName);
        return p.toFile().exists() || pathOrName.endsWith(".yaml") ? load(p) : bundled(pathOrName);
    }

    /**
     * The graph for a config on top of {@code base}, which carries the training settings
     * (updater, regularization, data type, seed) the caller wants: the reference's layers, with
     * each activation that only reads a batch norm of ours computed by it
     * ({@link BatchNormActivationFusion}; same parameters, same values).
     */
    public static ComputationGraphConfiguration graph(ModelConfig cfg, NeuralNetConfiguration.Builder base) {
        return BatchNormActivationFusion.fuse(referenceGraph(cfg, base));
    }

    /** The graph with the reference's layers one for one, as its traces and complexity count them. */
    public static ComputationGraphConfiguration referenceGraph(ModelConfig cfg, NeuralNetConfiguration.Builder base) {
        return switch (cfg.architecture()) {
            case MICRONET -> MicroNetBuilder.build(cfg, base);
            case MOBILENETV3_SMALL -> MobileNetV3SmallBuilder.build(cfg, base);
        };
    }

    /** Float32 with plain SGD: enough for inspection, summaries and tests. */
    public static NeuralNetConfiguration.Builder defaults(long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT).updater(new Sgd(0.1));
    }

    public static ComplexityReport complexity(ModelConfig cfg) {
        return ComplexityCounter.count(referenceGraph(cfg, defaults(0)), inputType(cfg));
    }

    public static InputType inputType(ModelConfig cfg) {
        return InputType.convolutional(cfg.inputSize(), cfg.inputSize(), 3);
    }

    public static ComputationGraph create(ModelConfig cfg, NeuralNetConfiguration.Builder base) {
        ComputationGraph net = new ComputationGraph(graph(cfg, base));
        net.init();
        MinibatchMeanUpdater.install(net);
        return net;
    }
}
