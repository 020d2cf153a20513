package org.micronet.ingest.loader;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.micronet.ingest.SerializableHadoopConf;
import org.micronet.ingest.image.ImageRejectedException;
import org.micronet.ingest.source.TarMembers;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * One partition's minibatches: streams the samples of its shard slices (from memory where
 * {@link SampleCache} holds them), in training through a seeded shuffle buffer (so that memory
 * stays bounded however large the partition), transforms them and packs [batch, 3, size, size]
 * features with one-hot [batch, classes] labels. It can yield a range of the batches only: those
 * before it are skipped undecoded, those after it unread.
 * A stream with a {@link OpenPartitions.Key} that ends its range before its slices end is parked
 * there, open, for the next range of the epoch to go on from.
 */
final class BatchIterator implements Iterator<DataSet> {
    static final int SHUFFLE_BUFFER = 1000;

    private final SliceReader reader;
    private final Iterator<Sample> samples;
    private final SampleTransform transform;
    private final int batchSize;
    private final int numClasses;
    private final OpenPartitions.Key parkAs;
    private long toSkip;
    private int batchesLeft;
    /** The partition's batch that the next range starts at. */
    private int nextBatch;
    private boolean parked;

    /**
     * Yields batches {@code [fromBatch, toBatch)} of the partition; {@code parkAs} null: never
     * parked; {@code cache} holds the slices of {@code root} read whole, where they fit.
     */
    BatchIterator(String root, List<ShardSlice> slices, SerializableHadoopConf conf, SampleCache cache,
                  SampleTransform transform, int batchSize, int numClasses, SplittableRandom shuffle, int fromBatch,
                  int toBatch, OpenPartitions.Key parkAs) {
        this.reader = new SliceReader(root, slices, conf, cache);
        this.samples = shuffle == null ? reader : new ShuffleBuffer(reader, shuffle);
        this.transform = transform;
        this.batchSize = batchSize;
        this.numClasses = numClasses;
        this.parkAs = parkAs;
        this.toSkip = (long) fromBatch * batchSize;
        this.batchesLeft = toBatch - fromBatch;
        this.nextBatch = fromBatch;
    }

    /** Whether a parked stream can yield {@code [fromBatch, ...)}: it stopped right before it. */
    boolean continuesAt(int fromBatch) {
        return nextBatch == fromBatch;
    }

    /** A parked stream, taken again for batches {@code [nextBatch, toBatch)}. */
    BatchIterator resume(int toBatch) {
        parked = false;
        batchesLeft = toBatch - nextBatch;
        return this;
    }

    /** Ends reading, unless the stream is parked for the next range (a task's end calls this). */
    void closeUnlessParked() {
        if (!parked) {
            reader.close();
        }
    }

    void close() {
        reader.close();
    }

    @Override
    public boolean hasNext() {
        while (toSkip > 0 && samples.hasNext()) {
            samples.next();
            toSkip--;
        }
        if (batchesLeft == 0) {
            // the range ended before the slices did: park the stream for the next range, or end it
            if (parkAs != null && !parked && samples.hasNext()) {
                parked = true;
                OpenPartitions.park(parkAs, this);
            } else if (!parked) {
                reader.close();
            }
            return false;
        }
        return samples.hasNext();
    }

    @Override
    public DataSet next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        batchesLeft--;
        nextBatch++;
        List<Sample> batch = new ArrayList<>(batchSize);
        while (batch.size() < batchSize && samples.hasNext()) {
            batch.add(samples.next());
        }
        int size = transform.size();
        int sampleFloats = 3 * size * size;
        float[] features = new float[batch.size() * sampleFloats];
        float[] labels = new float[batch.size() * numClasses];
        for (int i = 0; i < batch.size(); i++) {
            Sample s = batch.get(i);
            try {
                transform.apply(s, features, i * sampleFloats);
            } catch (ImageRejectedException e) {
                throw new IllegalStateException("sample '" + s.key + "' of the shards cannot be decoded: " + e.getMessage());
            }
            labels[i * numClasses + s.label] = 1f;
        }
        return new DataSet(FloatArrays.of(features, batch.size(), 3, size, size),
                FloatArrays.of(labels, batch.size(), numClasses));
    }

    /** Reads (key, jpeg, label) from the slices' tars one after another, or from the cache where it holds them. */
    private static final class SliceReader implements Iterator<Sample> {
        private final String root;
        private final Iterator<ShardSlice> slices;
        private final SerializableHadoopConf conf;
        private final SampleCache cache;
        private ShardSlice slice;
        private Iterator<Sample> held;
        private TarMembers members;
        /** The slice's samples read so far, to offer the cache at its end; null: not offered. */
        private List<Sample> read;
        private long readBytes;
        private SampleCache.Key readAs;
        private int ordinal;
        private Sample next;

        SliceReader(String root, List<ShardSlice> slices, SerializableHadoopConf conf, SampleCache cache) {
            this.root = root;
            this.slices = slices.iterator();
            this.conf = conf;
            this.cache = cache;
        }

        @Override
        public boolean hasNext() {
            try {
                while (next == null) {
                    if (held == null && members == null && !open()) {
                        return false;
                    }
                    if (held != null) {
                        next = held.hasNext() ? held.next() : null;
                        if (next == null) {
                            held = null;
                        }
                        continue;
                    }
                    next = readSample();
                    if (next == null) {
                        members.close();
                        members = null;
                        if (read != null) {
                            cache.offer(readAs, read);
                            read = null;
                        }
                    } else if (read != null) {
                        read.add(next);
                        readBytes += next.heldBytes();
                        if (readBytes > cache.roomFor(root, readBytes)) {
                            read = null;  // the slice will not fit: hold no more than the shuffle buffer
                        }
                    }
                }
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException("reading shard " + slice.uri(), e);
            }
        }

        /** Starts the next slice, from the cache or its file; false after the last. */
        private boolean open() throws IOException {
            if (!slices.hasNext()) return false;
            slice = slices.next();
            Path path = new Path(slice.uri());
            FileSystem fs = path.getFileSystem(conf.get());
            read = null;
            if (cache != null) {
                FileStatus status = fs.getFileStatus(path);
                readAs = new SampleCache.Key(root, slice, status.getLen(), status.getModificationTime());
                List<Sample> samples = cache.slice(readAs);
                if (samples != null) {
                    held = samples.iterator();
                    return true;
                }
                if (cache.roomFor(root, 1) > 0) {
                    read = new ArrayList<>(slice.images());
                    readBytes = 0;
                }
            }
            members = new TarMembers(fs.open(path));
            ordinal = 0;
            return true;
        }

        /** The next sample of this slice (a .jpg then its .cls, as the ingest writes them), or null at the end. */
        private Sample readSample() throws IOException {
            while (true) {
                TarMembers.Member image = members.next();
                if (image == null) return null;
                if (!image.extension().equals("jpg")) {
                    throw new IOException(slice.uri() + ": expected a .jpg member, found " + image.name());
                }
                boolean mine = ordinal++ % slice.parts() == slice.part();
                byte[] jpeg = mine ? members.read() : null;
                TarMembers.Member cls = members.next();
                if (cls == null || !cls.extension().equals("cls") || !cls.key().equals(image.key())) {
                    throw new IOException(slice.uri() + ": expected " + image.key() + ".cls after " + image.name());
                }
                String label = new String(members.read(), StandardCharsets.US_ASCII).trim();
                if (mine) {
                    return new Sample(image.key(), jpeg, Integer.parseInt(label));
                }
            }
        }

        @Override
        public Sample next() {
            if (!hasNext()) throw new NoSuchElementException();
            Sample s = next;
            next = null;
            return s;
        }

        /** Closes the open shard, if any; reading stops here. */
        void close() {
            try {
                if (members != null) {
                    members.close();
                    members = null;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("closing shard " + slice.uri(), e);
            }
        }
    }

    /** WebDataset-style shuffle: keeps a buffer full and emits a random element of it each time. */
    private static final class ShuffleBuffer implements Iterator<Sample> {
        private final Iterator<Sample> source;
        private final SplittableRandom random;
        private final List<Sample> buffer = new ArrayList<>();

        ShuffleBuffer(Iterator<Sample> source, SplittableRandom random) {
            this.source = source;
            this.random = random;
        }

        @Override
        public boolean hasNext() {
            return !buffer.isEmpty() || source.hasNext();
        }

        @Override
        public Sample next() {
            while (buffer.size() < SHUFFLE_BUFFER && source.hasNext()) {
                buffer.add(source.next());
            }
            if (buffer.isEmpty()) throw new NoSuchElementException();
            int i = random.nextInt(buffer.size());
            Sample s = buffer.get(i);
            buffer.set(i, buffer.get(buffer.size() - 1));
            buffer.remove(buffer.size() - 1);
            return s;
        }
    }
}
