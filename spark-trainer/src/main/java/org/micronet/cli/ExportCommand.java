package org.micronet.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import onnx.Onnx;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.config.ConfigException;
import org.micronet.onnx.OnnxConverter;
import org.micronet.trainer.ExportedModel;
import org.micronet.trainer.Exporter;
import org.micronet.trainer.ModelCard;
import org.micronet.trainer.RunStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Convert a training export (model.zip, model-card.json) to another format.",
                "onnx: a standard ONNX graph, opset " + OnnxConverter.OPSET + ", float32 weights. Input 'input': NCHW",
                "float32 [batch, 3, size, size], prepared as evaluation does; output 'output':",
                "softmax probabilities [batch, classes]. metadata_props: classes (JSON array in",
                "output order), input_size, source and model_card (the whole model-card.json).",
                "The file appears whole or not at all. Ends with the line 'onnx: <output URI>'."})
final class ExportCommand implements Callable<Integer> {
    static final String METADATA_CLASSES = "classes";
    static final String METADATA_INPUT_SIZE = "input_size";
    static final String METADATA_SOURCE = "source";
    static final String METADATA_CARD = "model_card";

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "<export URI>",
            description = "Export folder written by train (any Hadoop URI), holding model.zip, best-model.zip and model-card.json.")
    String model;

    @Option(names = "--format", required = true, paramLabel = "<format>", description = "Output format: onnx.")
    String format;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "<URI>", description = "File to write (any Hadoop URI).")
    String output;

    @Option(names = "--best", description = "Convert best-model.zip (the best validation epoch) instead of model.zip (the last).")
    boolean best;

    @Option(names = "--overwrite", description = "Replace the output file if it exists.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        if (!format.equalsIgnoreCase("onnx")) {
            throw new ConfigException("--format: '" + format + "' is not supported (expected onnx)");
        }
        Configuration conf = new Configuration();
        FileSystem fs = new Path(output).getFileSystem(conf);
        Path target = fs.makeQualified(new Path(output));
        checkOutput(target, fs);
        RunStore folder = new RunStore(target.getParent().toString(), conf);
        folder.checkWritable("the folder of --output");
        folder.removeStaging("", target.getName());
        String file = best ? Exporter.BEST : Exporter.MODEL;
        ExportedModel export = ExportedModel.load(model, file, conf);
        ModelCard card = export.card();
        ComputationGraph net = export.network();

        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(METADATA_CLASSES, new ObjectMapper().writeValueAsString(card.classes()));
        metadata.put(METADATA_INPUT_SIZE, Integer.toString(card.inputSize()));
        metadata.put(METADATA_SOURCE, export.uri() + "/" + file);
        metadata.put(METADATA_CARD, export.cardText());
        Onnx.ModelProto onnx = OnnxConverter.convert(net, card.inputSize(), metadata);

        folder.write(target.getName(), onnx::writeTo);
        PrintWriter out = new PrintWriter(System.out, true);
        out.printf("model: %s (%s), input %dx%d, %d classes%n", card.model(), file, card.inputSize(), card.inputSize(),
                card.classes().size());
        out.printf("nodes: %d, initializers: %d, bytes: %d%n", onnx.getGraph().getNodeCount(),
                onnx.getGraph().getInitializerCount(), onnx.getSerializedSize());
        out.println("onnx: " + folder.path(target.getName()));
        return 0;
    }

    /** Before any work: an existing output is kept unless --overwrite, and a folder is never replaced. */
    private void checkOutput(Path target, FileSystem fs) throws IOException {
        if (!fs.exists(target)) {
            return;
        }
        if (fs.getFileStatus(target).isDirectory()) {
            throw new ConfigException("--output " + target + " is a folder; give the file to write");
        }
        if (!overwrite) {
            throw new ConfigException("--output " + target + " already exists; pass --overwrite to replace it");
        }
    }
}
