package org.micronet.ingest.source;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Readers for the label files that come with ImageNet and with our own outputs. */
public final class LabelFiles {
    public static final String SYNSET_MAPPING = "LOC_synset_mapping.txt";
    public static final String VAL_SOLUTION = "LOC_val_solution.csv";
    public static final String DEVKIT_GROUND_TRUTH = "ILSVRC2012_validation_ground_truth.txt";
    public static final String DEVKIT_META = "meta.mat";
    public static final String CLASSES_TSV = "classes.tsv";

    private LabelFiles() {
    }

    /** "&lt;wnid&gt; &lt;name&gt;" per line, in file order. */
    public static Map<String, String> readSynsetMapping(FileSystem fs, Path path) throws IOException {
        Map<String, String> names = new LinkedHashMap<>();
        List<String> lines = readLines(fs, path);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            int space = line.indexOf(' ');
            String wnid = space < 0 ? line : line.substring(0, space);
            names.put(wnid, space < 0 ? wnid : line.substring(space + 1).trim());
        }
        return names;
    }

    /** ImageId to wnid from "ImageId,PredictionString", the wnid being the first token of the prediction. */
    public static Map<String, String> readValSolution(FileSystem fs, Path path) throws IOException {
        Map<String, String> labels = new HashMap<>();
        List<String> lines = readLines(fs, path);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || (i == 0 && line.startsWith("ImageId"))) {
                continue;
            }
            int comma = line.indexOf(',');
            String prediction = comma < 0 ? "" : line.substring(comma + 1).trim();
            if (prediction.isEmpty()) {
                throw new IOException(path + " line " + (i + 1) + ": '" + line
                        + "' is not 'ImageId,PredictionString' with a wnid as the first token");
            }
            labels.put(line.substring(0, comma).trim(), prediction.split("\\s+")[0]);
        }
        return labels;
    }

    /**
     * The devkit's labels: line i of the ground truth is the ILSVRC2012_ID of ILSVRC2012_val_%08d(i),
     * mapped to a wnid through the synsets struct of meta.mat.
     */
    public static Map<String, String> readDevkitLabels(FileSystem fs, Path groundTruth, Path meta) throws IOException {
        Map<Integer, String> wnidById = new HashMap<>();
        byte[] mat;
        try (FSDataInputStream in = fs.open(meta)) {
            mat = in.readAllBytes();
        }
        Object synsets = MatFile.read(mat).get("synsets");
        if (!(synsets instanceof List<?> list)) {
            throw new IOException(meta + ": no 'synsets' struct array");
        }
        for (Object entry : list) {
            Map<?, ?> synset = (Map<?, ?>) entry;
            if (!(synset.get("ILSVRC2012_ID") instanceof double[] id) || id.length != 1
                    || !(synset.get("WNID") instanceof String wnid)) {
                throw new IOException(meta + ": a synset lacks a scalar ILSVRC2012_ID or a WNID string: " + synset.keySet());
            }
            wnidById.put((int) id[0], wnid);
        }
        Map<String, String> labels = new HashMap<>();
        List<String> lines = readLines(fs, groundTruth);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            String wnid;
            try {
                wnid = wnidById.get(Integer.parseInt(line));
            } catch (NumberFormatException e) {
                throw new IOException(groundTruth + " line " + (i + 1) + ": '" + line + "' is not an ILSVRC2012_ID");
            }
            if (wnid == null) {
                throw new IOException(groundTruth + " line " + (i + 1) + ": ILSVRC2012_ID " + line + " is not in " + meta);
            }
            labels.put(String.format("ILSVRC2012_val_%08d", i + 1), wnid);
        }
        return labels;
    }

    /** The class ids of a classes.tsv (index, wnid, name, counts...) in index order, with their names. */
    public static Map<String, String> readClassesTsv(FileSystem fs, Path path) throws IOException {
        Map<String, String> names = new LinkedHashMap<>();
        List<String> lines = readLines(fs, path);
        for (int i = 1; i < lines.size(); i++) {
            String[] fields = lines.get(i).split("\t");
            if (fields.length < 3 || !fields[0].equals(Integer.toString(names.size()))) {
                throw new IOException(path + " line " + (i + 1) + ": expected '" + names.size() + "<TAB>wnid<TAB>name...'");
            }
            names.put(fields[1], fields[2]);
        }
        return names;
    }

    private static List<String> readLines(FileSystem fs, Path path) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(fs.open(path), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines.add(line);
            }
        }
        return lines;
    }
}
