package org.micronet.ingest;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.micronet.ingest.source.TarMembers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Reads the labels back from an ingest's shards, with the project's own tar reader. */
public final class ShardContents {
    private ShardContents() {
    }

    /** Key to class index over all shards of a split; fails on duplicate keys. */
    public static Map<String, Integer> labels(FileSystem fs, Path output, String split) throws IOException {
        Manifest manifest = Manifest.read(fs, new Path(output, OutputLayout.MANIFEST));
        Map<String, Integer> labels = new HashMap<>();
        for (String shard : manifest.shardFiles(split)) {
            try (FSDataInputStream in = fs.open(new Path(output, shard)); TarMembers members = new TarMembers(in)) {
                for (TarMembers.Member m = members.next(); m != null; m = members.next()) {
                    if (m.extension().equals("cls")) {
                        int label = Integer.parseInt(new String(members.read(), StandardCharsets.US_ASCII));
                        if (labels.put(m.key(), label) != null) {
                            throw new AssertionError("key " + m.key() + " appears twice in " + split);
                        }
                    }
                }
            }
        }
        return labels;
    }
}
