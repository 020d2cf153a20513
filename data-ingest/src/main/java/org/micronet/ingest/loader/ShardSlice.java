package org.micronet.ingest.loader;

import java.io.Serializable;

/**
 * Every parts-th sample of one shard starting at part: lets there be more partitions than shards.
 *
 * @param shardImages images in the whole shard (from the manifest)
 */
record ShardSlice(String uri, int part, int parts, int shardImages) implements Serializable {
    /** Samples of this slice: the ordinals below shardImages that are part modulo parts. */
    int images() {
        return shardImages > part ? (shardImages - part + parts - 1) / parts : 0;
    }
}
