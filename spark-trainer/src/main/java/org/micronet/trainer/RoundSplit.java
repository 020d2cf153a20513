package org.micronet.trainer;

import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import scala.Tuple2;

import java.util.Iterator;
import java.util.List;

/**
 * The averaging rounds of a chunk by position: round r is minibatches
 * {@code [r * averagingFrequency, (r + 1) * averagingFrequency)} of every partition (worker), so
 * each round averages {@code averagingFrequency} minibatches of every worker that still has data,
 * in the order the loader planned. DL4J's own split deals each partition's minibatches into the
 * rounds in a random order, which is as exact, but it picks every round out of a serialized
 * cache: each round deserializes the whole chunk again. This chunk is cached deserialized, once.
 */
final class RoundSplit implements AutoCloseable {
    private final JavaPairRDD<Integer, MultiDataSet> byRound;
    private final int rounds;

    RoundSplit(JavaRDD<MultiDataSet> chunk, int averagingFrequency) {
        byRound = chunk.mapPartitionsToPair(new Position(averagingFrequency), true).persist(StorageLevel.MEMORY_ONLY());
        List<Integer> counts = byRound.mapPartitions(it -> {
            int n = 0;
            for (; it.hasNext(); it.next()) {
                n++;
            }
            return List.of(n).iterator();
        }).collect();
        int longest = counts.stream().mapToInt(Integer::intValue).max().orElse(0);
        rounds = (longest + averagingFrequency - 1) / averagingFrequency;
    }

    int rounds() {
        return rounds;
    }

    /** Round {@code r}'s minibatches, in the chunk's partitions. */
    JavaRDD<MultiDataSet> round(int r) {
        return byRound.filter(t -> t._1() == r).values();
    }

    @Override
    public void close() {
        byRound.unpersist(false);
    }

    /** Keys each minibatch of a partition with its round. */
    private record Position(int averagingFrequency) implements PairFlatMapFunction<Iterator<MultiDataSet>, Integer, MultiDataSet> {
        @Override
        public Iterator<Tuple2<Integer, MultiDataSet>> call(Iterator<MultiDataSet> batches) {
            return new Iterator<>() {
                private int i;

                @Override
                public boolean hasNext() {
                    return batches.hasNext();
                }

                @Override
                public Tuple2<Integer, MultiDataSet> next() {
                    return new Tuple2<>(i++ / averagingFrequency, batches.next());
                }
            };
        }
    }
}
