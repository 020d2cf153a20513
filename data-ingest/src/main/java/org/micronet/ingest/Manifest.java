package org.micronet.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** manifest.json: what an ingest produced, from what, how, and everything it left out and why. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class Manifest {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public int formatVersion = 1;
    /** Accepted images, all splits. */
    public long images;
    public Map<String, Long> imagesPerSplit = new LinkedHashMap<>();
    /** The class index: position = label. */
    public List<ClassEntry> classes = new ArrayList<>();
    public List<Shard> shards = new ArrayList<>();
    public List<Rejection> rejected = new ArrayList<>();
    /** Accepted images that needed a colour or format conversion. */
    public List<Conversion> converted = new ArrayList<>();
    public double rejectFraction;
    /** Train/val consistency findings of the class index. */
    public List<String> consistency = new ArrayList<>();
    public Source source;
    public Map<String, Object> settings = new LinkedHashMap<>();
    public String decoder;
    public String createdAt;
    public double seconds;

    public static final class ClassEntry {
        public int index;
        public String wnid;
        public String name;
        public Map<String, Long> images = new LinkedHashMap<>();
    }

    public static final class Shard {
        public String split;
        public String file;
        public int images;
        public long bytes;
    }

    public static final class Source {
        public String input;
        public String layout;
    }

    public static Manifest read(FileSystem fs, Path path) throws IOException {
        try (InputStream in = fs.open(path)) {
            return JSON.readValue(in, Manifest.class);
        }
    }

    public void write(FileSystem fs, Path path) throws IOException {
        try (OutputStream out = fs.create(path, true)) {
            JSON.writeValue(out, this);
        }
    }

    /** Shard files of a split, in order. */
    public List<String> shardFiles(String split) {
        List<String> files = new ArrayList<>();
        for (Shard s : shards) {
            if (s.split.equals(split)) files.add(s.file);
        }
        return files;
    }

    /** The classes.tsv written next to the manifest: index, wnid, name, then a count per split. */
    public String classesTsv() {
        StringBuilder tsv = new StringBuilder("index\twnid\tname");
        for (String split : imagesPerSplit.keySet()) tsv.append('\t').append(split);
        tsv.append('\n');
        for (ClassEntry c : classes) {
            tsv.append(c.index).append('\t').append(c.wnid).append('\t').append(c.name);
            for (String split : imagesPerSplit.keySet()) tsv.append('\t').append(c.images.getOrDefault(split, 0L));
            tsv.append('\n');
        }
        return tsv.toString();
    }
}
