package org.micronet.ingest;

/**
 * @param manifest       the published manifest
 * @param alreadyDone    the output was already complete and nothing was done
 * @param shardsWritten  shards written by this run
 * @param shardsResumed  shards kept from an interrupted earlier run
 */
public record IngestResult(Manifest manifest, boolean alreadyDone, int shardsWritten, int shardsResumed) {
}
