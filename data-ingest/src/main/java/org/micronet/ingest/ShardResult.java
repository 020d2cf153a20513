package org.micronet.ingest;

import java.util.List;

/** What writing one shard produced; stored next to the shard so that a resumed run need not redo it. */
public record ShardResult(String split, String file, int images, long bytes, int[] classCounts,
                          List<Rejection> rejected, List<Conversion> converted) {
}
