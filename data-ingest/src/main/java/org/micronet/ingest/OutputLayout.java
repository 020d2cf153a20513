package org.micronet.ingest;

import org.apache.hadoop.fs.Path;

/**
 * Where an ingest writes. Everything goes to a hidden sibling of the output first and is
 * published by one directory rename; the bookkeeping that lets an interrupted run resume lives
 * in its _ingest/ folder and is removed before publishing.
 */
public final class OutputLayout {
    public static final String MANIFEST = "manifest.json";
    public static final String CLASSES = "classes.tsv";

    private OutputLayout() {
    }

    public static Path staging(Path output) {
        if (output.getParent() == null) {
            throw new IngestException("output " + output + " is a filesystem root; expected a folder below it");
        }
        return new Path(output.getParent(), "." + output.getName() + ".ingest-tmp");
    }

    public static Path bookkeeping(Path staging) {
        return new Path(staging, "_ingest");
    }

    public static Path planFingerprint(Path staging) {
        return new Path(bookkeeping(staging), "plan.sha256");
    }

    /** Present only once the shard's tar is complete and renamed into place. */
    public static Path shardResult(Path staging, ShardPlan plan) {
        return new Path(bookkeeping(staging), plan.file().replace('/', '_') + ".json");
    }
}
