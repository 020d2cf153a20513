package org.micronet.ingest;

import java.io.Serializable;

/** A skipped input and why: {@code file} is relative to the input URI (a tar member as {@code shard.tar:member}). */
public record Rejection(String file, String reason) implements Serializable {
}
