package org.micronet.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.conf.Configuration;
import org.micronet.config.ConfigException;
import org.micronet.inference.Classifier;
import org.micronet.inference.ImageFiles;
import org.micronet.ingest.DataException;
import org.micronet.trainer.ExportedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Classify images with an exported model, in this JVM (no Spark).",
                "Each image is prepared as validation prepared images in training (the model card's "
                        + "preprocessing: the ingest's resize, the centre crop, mean/std).",
                "Prints the top classes with names and probabilities as a table (image, rank, id, name, "
                        + "probability) or JSON.",
                "Images that cannot be decoded are named on stderr and skipped; the rest are predicted, "
                        + "then the command fails (exit 3) naming them."})
final class PredictCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "<export URI>",
            description = "An export of 'micronet train' (model.zip + model-card.json), any Hadoop URI.")
    String model;

    @Parameters(arity = "1..*", paramLabel = "<image>",
            description = "Image files (JPEG, PNG, GIF, BMP) or folders of them (searched recursively), any Hadoop URI.")
    List<String> images;

    @Option(names = "--top", paramLabel = "<k>", defaultValue = "5", description = "Classes per image (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--batch-size", paramLabel = "<n>", defaultValue = "32",
            description = "Images per forward pass (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--json", description = "Print a JSON array of {image, top: [{rank, id, name, probability}]}.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (top < 1) throw new ConfigException("--top is " + top + ", expected at least 1");
        if (batchSize < 1) throw new ConfigException("--batch-size is " + batchSize + ", expected at least 1");
        Configuration conf = new Configuration();
        ExportedModel exported = ExportedModel.load(model, conf);
        List<String> files = ImageFiles.list(images, conf);
        Classifier classifier = new Classifier(exported.card(), exported.network(), top);
        List<Classifier.Prediction> predictions = new ArrayList<>();
        List<Classifier.Rejected> rejected = new ArrayList<>();
        for (int from = 0; from < files.size(); from += batchSize) {
            List<Classifier.Image> batch = new ArrayList<>();
            for (String f : files.subList(from, Math.min(files.size(), from + batchSize))) {
                batch.add(new Classifier.Image(f, ImageFiles.read(f, conf)));
            }
            Classifier.Batch result = classifier.classify(batch);
            predictions.addAll(result.predictions());
            for (Classifier.Rejected r : result.rejected()) {
                spec.commandLine().getErr().println("predict: skipped " + r.image() + ": " + r.reason());
                rejected.add(r);
            }
        }
        System.out.print(json ? json(predictions) : table(predictions));
        if (!rejected.isEmpty()) {
            throw new DataException(rejected.size() + " of " + files.size() + " images could not be decoded and were "
                    + "skipped: " + rejected.stream().map(Classifier.Rejected::image).collect(Collectors.joining(", ")));
        }
        return 0;
    }

    static String table(List<Classifier.Prediction> predictions) {
        int width = Math.max(5, predictions.stream().mapToInt(p -> p.image().length()).max().orElse(0));
        int nameWidth = Math.max(4, predictions.stream().flatMap(p -> p.top().stream())
                .mapToInt(s -> s.name().length()).max().orElse(0));
        int idWidth = Math.max(2, predictions.stream().flatMap(p -> p.top().stream())
                .mapToInt(s -> s.id().length()).max().orElse(0));
        String row = "%-" + width + "s  %4s  %-" + idWidth + "s  %-" + nameWidth + "s  %11s%n";
        StringBuilder out = new StringBuilder(String.format(row, "image", "rank", "id", "name", "probability"));
        for (Classifier.Prediction p : predictions) {
            for (int r = 0; r < p.top().size(); r++) {
                Classifier.Scored s = p.top().get(r);
                out.append(String.format(row, r == 0 ? p.image() : "", r + 1, s.id(), s.name(),
                        String.format("%.4f", s.probability())));
            }
        }
        return out.toString();
    }

    private record Ranked(int rank, String id, String name, double probability) {
    }

    private record ImageTop(String image, List<Ranked> top) {
    }

    private static String json(List<Classifier.Prediction> predictions) throws IOException {
        List<ImageTop> out = new ArrayList<>();
        for (Classifier.Prediction p : predictions) {
            List<Ranked> top = new ArrayList<>();
            for (Classifier.Scored s : p.top()) {
                top.add(new Ranked(top.size() + 1, s.id(), s.name(), s.probability()));
            }
            out.add(new ImageTop(p.image(), top));
        }
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out) + "\n";
    }
}
