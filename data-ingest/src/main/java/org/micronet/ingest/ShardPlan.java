package org.micronet.ingest;

import org.micronet.ingest.source.SampleRef;

import java.io.Serializable;
import java.util.List;

/** The samples that go into one output shard, fixed before any is read so that a rerun rebuilds the same shard. */
public record ShardPlan(String split, int index, List<SampleRef> samples) implements Serializable {

    /** Path relative to the output root, e.g. train/train-000003.tar. */
    public String file() {
        return split + "/" + String.format("%s-%06d.tar", split, index);
    }
}
