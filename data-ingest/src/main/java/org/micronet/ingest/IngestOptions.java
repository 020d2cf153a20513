package org.micronet.ingest;

import org.micronet.ingest.source.Layout;

import java.io.Serializable;

/** Settings of one ingest run; defaults as documented on {@link org.micronet.ingest.cli.IngestCommand}. */
public final class IngestOptions implements Serializable {
    public String input;
    public String output;
    /** null: detect from the input. */
    public Layout layout;
    public int shortSide = 256;
    public boolean upscale = false;
    public int jpegQuality = 90;
    public int shardSize = 1000;
    public double maxRejectFraction = 0.01;
    public boolean overwrite = false;
    /** Spark tasks for the shard writing; 0: one task per shard. */
    public int partitions = 0;
    /** Seeds the assignment of samples to shards, so that every shard mixes classes. */
    public long seed = 0;
    public int progressSeconds = 10;

    public IngestOptions(String input, String output) {
        this.input = input;
        this.output = output;
    }

    /** Throws IllegalArgumentException naming the first setting out of range. */
    public void validate() {
        require(input != null && !input.isBlank(), "input", input, "a URI");
        require(output != null && !output.isBlank(), "output", output, "a URI");
        require(shortSide >= 8, "short-side", shortSide, "at least 8");
        require(jpegQuality >= 1 && jpegQuality <= 100, "jpeg-quality", jpegQuality, "1..100");
        require(shardSize >= 1, "shard-size", shardSize, "at least 1");
        require(maxRejectFraction >= 0 && maxRejectFraction <= 1, "max-reject-fraction", maxRejectFraction, "0..1");
        require(partitions >= 0, "partitions", partitions, "0 (one per shard) or more");
        require(progressSeconds >= 1, "progress-seconds", progressSeconds, "at least 1");
    }

    private static void require(boolean ok, String name, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("--" + name + " is " + value + ", expected " + expected);
        }
    }
}
