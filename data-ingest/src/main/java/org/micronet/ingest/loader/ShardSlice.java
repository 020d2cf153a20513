package org.micronet.ingest.loader;

import java.io.Serializable;

/** Every parts-th sample of one shard starting at part: lets there be more partitions than shards. */
record ShardSlice(String uri, int part, int parts) implements Serializable {
}
