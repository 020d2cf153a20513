package org.micronet.ingest.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.micronet.ingest.Rejection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * WebDataset tar shards: members sharing a key form a sample, an image (.jpg, .jpeg or .png)
 * plus a label (.cls: class index; .txt: index, wnid or class name; .json: the same under
 * "wnid", "cls", "label" or "class"). Tars at the root are train shards unless their name starts
 * with "val"; tars in train/ and val/ belong to that split. Class indices refer to classes.tsv
 * (a previous ingest's output) or to the sorted wnids of LOC_synset_mapping.txt next to the
 * shards; without either, integer labels are used as they are and text labels are sorted.
 */
final class WebDatasetSource implements SampleSource {
    private static final List<String> IMAGE_EXTENSIONS = List.of("jpg", "jpeg", "png");
    private static final List<String> JSON_LABEL_FIELDS = List.of("wnid", "cls", "label", "class");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileSystem fs;
    private final Path root;

    WebDatasetSource(FileSystem fs, Path root) {
        this.fs = fs;
        this.root = root;
    }

    /** A scanned sample: its image member and raw label text, or the reason it cannot be used. */
    private record Scanned(String split, String key, String file, String uri, TarMembers.Member image, String label,
                           String problem) {
    }

    @Override
    public SourceListing list() throws IOException {
        boolean single = fs.getFileStatus(root).isFile();
        Path base = single ? root.getParent() : root;
        List<Scanned> scanned = new ArrayList<>();
        for (FileStatus tar : findTars(single)) {
            String split = splitOf(tar.getPath());
            scan(tar.getPath(), split, base, scanned);
        }
        ClassIndex listed = classList(base);
        ClassIndex classes = listed != null ? listed : classesFromLabels(scanned);
        List<SampleRef> samples = new ArrayList<>();
        List<Rejection> rejected = new ArrayList<>();
        for (Scanned s : scanned) {
            if (s.problem != null) {
                rejected.add(new Rejection(s.file, s.problem));
                continue;
            }
            int label = resolve(s.label, classes, listed != null);
            if (label < 0) {
                rejected.add(new Rejection(s.file, "unknown label '" + s.label + "': not a class index, wnid or class name of "
                        + (listed != null ? "the class list next to the shards" : "the labels in the shards")));
                continue;
            }
            samples.add(new SampleRef(s.split, s.key, s.file, s.uri, s.image.offset(), s.image.size(), label));
        }
        return new SourceListing(Layout.WEBDATASET, classes, samples, rejected, SourceListing.consistency(classes, samples));
    }

    private List<FileStatus> findTars(boolean single) throws IOException {
        List<FileStatus> tars = new ArrayList<>();
        if (single) {
            tars.add(fs.getFileStatus(root));
            return tars;
        }
        for (FileStatus child : fs.listStatus(root)) {
            String name = child.getPath().getName();
            if (child.isFile() && Layout.isTar(child.getPath())) {
                tars.add(child);
            } else if (child.isDirectory() && (name.equals("train") || name.equals("val"))) {
                for (FileStatus inner : fs.listStatus(child.getPath())) {
                    if (inner.isFile() && Layout.isTar(inner.getPath())) tars.add(inner);
                }
            }
        }
        tars.sort(Comparator.comparing(t -> t.getPath().toString()));
        return tars;
    }

    private String splitOf(Path tar) {
        String dir = tar.getParent().getName();
        if (!tar.getParent().equals(root) && (dir.equals("train") || dir.equals("val"))) {
            return dir;
        }
        return tar.getName().startsWith("val") ? "val" : "train";
    }

    private void scan(Path tar, String split, Path base, List<Scanned> into) throws IOException {
        String tarName = relative(base, tar);
        Map<String, Map<String, Object>> samples = new LinkedHashMap<>();
        try (FSDataInputStream in = fs.open(tar); TarMembers members = new TarMembers(in)) {
            for (TarMembers.Member m = members.next(); m != null; m = members.next()) {
                String ext = m.extension();
                Map<String, Object> sample = samples.computeIfAbsent(m.key(), k -> new LinkedHashMap<>());
                if (IMAGE_EXTENSIONS.contains(ext)) {
                    sample.putIfAbsent("image", m);
                } else if (ext.equals("cls") || ext.equals("txt") || ext.equals("json")) {
                    // labels are tiny: read them now so that the class index is known before any image
                    sample.put("label:" + ext, new String(members.read(), StandardCharsets.UTF_8).trim());
                }
            }
        }
        for (Map.Entry<String, Map<String, Object>> e : samples.entrySet()) {
            TarMembers.Member image = (TarMembers.Member) e.getValue().get("image");
            String file = tarName + ":" + (image != null ? image.name() : e.getKey());
            String label = null, problem = null;
            try {
                label = rawLabel(e.getValue());
            } catch (IOException bad) {
                problem = bad.getMessage();
            }
            if (image == null) {
                problem = "no image member (.jpg, .jpeg or .png) for key '" + e.getKey() + "'";
            } else if (label == null && problem == null) {
                problem = "missing label: no .cls, .txt or .json member for key '" + e.getKey() + "'";
            }
            into.add(new Scanned(split, e.getKey(), file, tar.toString(), image, label, problem));
        }
    }

    private static String rawLabel(Map<String, Object> sample) throws IOException {
        if (sample.containsKey("label:cls")) {
            return (String) sample.get("label:cls");
        }
        if (sample.containsKey("label:txt")) {
            return (String) sample.get("label:txt");
        }
        if (sample.containsKey("label:json")) {
            JsonNode node;
            try {
                node = JSON.readTree((String) sample.get("label:json"));
            } catch (IOException e) {
                throw new IOException("unreadable .json label: " + e.getMessage());
            }
            for (String field : JSON_LABEL_FIELDS) {
                if (node != null && node.hasNonNull(field)) {
                    return node.get(field).asText().trim();
                }
            }
            throw new IOException("missing label: .json has none of the fields " + JSON_LABEL_FIELDS);
        }
        return null;
    }

    /** classes.tsv of a previous ingest (its order), else LOC_synset_mapping.txt (sorted), else null. */
    private ClassIndex classList(Path base) throws IOException {
        Path tsv = new Path(base, LabelFiles.CLASSES_TSV);
        if (fs.exists(tsv)) {
            Map<String, String> names = LabelFiles.readClassesTsv(fs, tsv);
            return ClassIndex.ordered(new ArrayList<>(names.keySet()), names);
        }
        Path mapping = new Path(base, LabelFiles.SYNSET_MAPPING);
        if (fs.exists(mapping)) {
            Map<String, String> names = LabelFiles.readSynsetMapping(fs, mapping);
            return ClassIndex.sorted(names.keySet(), names);
        }
        return null;
    }

    /** Without a class list: integers 0..max when every label is an integer, else the sorted text labels. */
    private static ClassIndex classesFromLabels(List<Scanned> scanned) {
        Set<String> text = new TreeSet<>();
        int max = -1;
        for (Scanned s : scanned) {
            if (s.label == null) continue;
            if (isIndex(s.label)) {
                max = Math.max(max, Integer.parseInt(s.label));
            } else {
                text.add(s.label);
            }
        }
        if (!text.isEmpty()) {
            return ClassIndex.sorted(text, Map.of());
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i <= max; i++) ids.add(Integer.toString(i));
        return ClassIndex.ordered(ids, Map.of());
    }

    private static int resolve(String label, ClassIndex classes, boolean listed) {
        if (isIndex(label) && (listed || classes.indexOf(label) >= 0)) {
            int index = Integer.parseInt(label);
            return index < classes.size() ? index : -1;
        }
        return classes.indexOfIdOrName(label);
    }

    private static boolean isIndex(String label) {
        return !label.isEmpty() && label.length() < 10 && label.chars().allMatch(Character::isDigit);
    }

    private static String relative(Path base, Path path) {
        String b = base.toUri().getPath();
        String p = path.toUri().getPath();
        return p.startsWith(b + "/") ? p.substring(b.length() + 1) : p;
    }
}
