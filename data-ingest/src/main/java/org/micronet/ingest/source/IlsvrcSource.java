package org.micronet.ingest.source;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.micronet.ingest.Rejection;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The ILSVRC2012 folder layout: train/&lt;wnid&gt;/*, and val/ either in wnid folders or flat,
 * labelled by LOC_val_solution.csv or by the devkit's ground truth and meta.mat. The class index
 * is the sorted wnids of LOC_synset_mapping.txt when present, else of the train folders.
 */
final class IlsvrcSource implements SampleSource {
    private final FileSystem fs;
    private final Path root;

    IlsvrcSource(FileSystem fs, Path root) {
        this.fs = fs;
        this.root = root;
    }

    /** A listed file with the wnid its location gives it (null for flat val files). */
    private record Listed(String split, FileStatus status, String folderWnid) {
    }

    @Override
    public SourceListing list() throws IOException {
        List<Rejection> rejected = new ArrayList<>();
        List<Listed> files = new ArrayList<>();
        Set<String> trainWnids = new TreeSet<>();
        Set<String> valFolderWnids = new TreeSet<>();
        listSplit("train", files, trainWnids, rejected);
        listSplit("val", files, valFolderWnids, rejected);
        files.sort(Comparator.comparing(f -> f.status.getPath().toString()));

        Path mappingPath = new Path(root, LabelFiles.SYNSET_MAPPING);
        Map<String, String> mapping = fs.exists(mappingPath) ? LabelFiles.readSynsetMapping(fs, mappingPath) : null;
        ValLabels valLabels = findValLabels();
        ClassIndex classes;
        String classSource;
        if (mapping != null) {
            classes = ClassIndex.sorted(mapping.keySet(), mapping);
            classSource = LabelFiles.SYNSET_MAPPING;
        } else if (!trainWnids.isEmpty()) {
            classes = ClassIndex.sorted(trainWnids, Map.of());
            classSource = "the train folders";
        } else {
            Set<String> ids = new TreeSet<>(valFolderWnids);
            ids.addAll(valLabels.labels.values());
            classes = ClassIndex.sorted(ids, Map.of());
            classSource = "the val labels";
        }

        List<SampleRef> samples = new ArrayList<>();
        for (Listed f : files) {
            String file = relative(f.status.getPath());
            String stem = stem(f.status.getPath().getName());
            String key = (f.folderWnid == null ? "" : f.folderWnid + "/") + stem.replace('.', '_');
            String wnid = f.folderWnid;
            String labelSource = "its folder";
            if (wnid == null) {
                wnid = valLabels.labels.get(stem);
                labelSource = valLabels.source;
                if (wnid == null) {
                    rejected.add(new Rejection(file, valLabels.labels.isEmpty()
                            ? "missing val label: no val/<wnid>/ folder and no " + LabelFiles.VAL_SOLUTION + " or "
                            + LabelFiles.DEVKIT_GROUND_TRUTH + " found"
                            : "missing val label: no entry for ImageId '" + stem + "' in " + valLabels.source));
                    continue;
                }
            }
            int label = classes.indexOf(wnid);
            if (label < 0) {
                rejected.add(new Rejection(file, "unknown wnid '" + wnid + "' (from " + labelSource + "): not in the class index of "
                        + classSource));
                continue;
            }
            samples.add(new SampleRef(f.split, key, file, f.status.getPath().toString(), 0, f.status.getLen(), label));
        }
        return new SourceListing(Layout.ILSVRC, classes, samples, rejected, SourceListing.consistency(classes, samples));
    }

    /** Lists split/ into {@code into} and its wnid folder names, empty ones included, into {@code folders}. */
    private void listSplit(String split, List<Listed> into, Set<String> folders, List<Rejection> rejected) throws IOException {
        Path dir = new Path(root, split);
        if (!fs.exists(dir)) {
            return;
        }
        for (FileStatus child : fs.listStatus(dir)) {
            if (child.isFile()) {
                if (split.equals("train")) {
                    rejected.add(new Rejection(relative(child.getPath()), "not inside a train/<wnid>/ folder"));
                } else {
                    into.add(new Listed(split, child, null));
                }
                continue;
            }
            folders.add(child.getPath().getName());
            listFolder(split, child.getPath(), child.getPath().getName(), into);
        }
    }

    /** Recursive listStatus rather than listFiles: located statuses of local files fork a process each for their permissions. */
    private void listFolder(String split, Path dir, String wnid, List<Listed> into) throws IOException {
        for (FileStatus status : fs.listStatus(dir)) {
            if (status.isDirectory()) {
                listFolder(split, status.getPath(), wnid, into);
            } else {
                into.add(new Listed(split, status, wnid));
            }
        }
    }

    private record ValLabels(Map<String, String> labels, String source) {
    }

    /** LOC_val_solution.csv first, else the devkit files in the root or in a devkit folder (&lt;dir&gt;/ or &lt;dir&gt;/data/). */
    private ValLabels findValLabels() throws IOException {
        Path csv = new Path(root, LabelFiles.VAL_SOLUTION);
        if (fs.exists(csv)) {
            return new ValLabels(LabelFiles.readValSolution(fs, csv), LabelFiles.VAL_SOLUTION);
        }
        List<Path> candidates = new ArrayList<>(List.of(root));
        for (FileStatus child : fs.listStatus(root)) {
            String name = child.getPath().getName();
            if (child.isDirectory() && !name.equals("train") && !name.equals("val")) {
                candidates.add(child.getPath());
                candidates.add(new Path(child.getPath(), "data"));
            }
        }
        for (Path dir : candidates) {
            Path truth = new Path(dir, LabelFiles.DEVKIT_GROUND_TRUTH);
            if (fs.exists(truth)) {
                Path meta = new Path(dir, LabelFiles.DEVKIT_META);
                if (!fs.exists(meta)) {
                    throw new IOException(truth + " found but no " + LabelFiles.DEVKIT_META
                            + " next to it to map its ILSVRC2012_IDs to wnids");
                }
                return new ValLabels(LabelFiles.readDevkitLabels(fs, truth, meta), relative(truth));
            }
        }
        return new ValLabels(Map.of(), "");
    }

    private String relative(Path path) {
        String rootPath = root.toUri().getPath();
        String p = path.toUri().getPath();
        return p.startsWith(rootPath + "/") ? p.substring(rootPath.length() + 1) : p;
    }

    /** The file name without its extension: the ImageId of the val label files. */
    private static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
