package org.micronet.cli;

import org.micronet.complexity.ComplexityReport;
import org.micronet.models.ModelConfig;
import org.micronet.models.Models;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

@Command(name = "summary", mixinStandardHelpOptions = true,
        description = {"Print a model's layers with their parameters and multiply-adds.",
                "Ends with the lines 'params: N', 'madds: N' (convs and linears) and",
                "'madds_with_fusion: N' (plus DY-Shift-Max's elementwise fusion, as the paper counts)."})
final class SummaryCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "<config>",
            description = "Model YAML file (e.g. configs/models/m0.yaml) or the name of a bundled one (m0, m1, m2, m3, ...).")
    String model;

    @Option(names = "--input-size", paramLabel = "<pixels>",
            description = "Count for this square input size instead of the config's (e.g. 32 for small images).")
    Integer inputSize;

    @Option(names = "--classes", paramLabel = "<n>", description = "Count for this many classes instead of the config's.")
    Integer classes;

    @Override
    public Integer call() {
        ModelConfig cfg = Models.resolve(model);
        ModelConfig counted = cfg.withTask(inputSize != null ? inputSize : cfg.inputSize(),
                classes != null ? classes : cfg.classes());
        ComplexityReport report = Models.complexity(counted);
        PrintWriter out = new PrintWriter(System.out, true);
        out.printf("model: %s (%s), input %dx%dx3, %d classes%n", counted.name(),
                counted.architecture().name().toLowerCase(), counted.inputSize(), counted.inputSize(), counted.classes());
        out.print(report.format());
        out.flush();
        return 0;
    }
}
