package org.micronet.ingest.loader;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shard slices held in this JVM's memory once read whole, and the whole decoded images of their
 * samples ({@link Sample}), up to a budget of bytes: a dataset that fits is read from storage once
 * per executor and decoded once more, instead of both every epoch, and each later epoch only crops
 * and normalises. On Fashion-MNIST's 28x28 JPEGs, reading and decoding took 7 and 21 us of the
 * 44 us a training sample cost (cropping decoded pixels: 7 us), and on two cores that work slowed
 * the other worker's fit as well. What does not fit is read as before. A slice is known by its
 * file's length and modification time, so a dataset written again at the same path is read again.
 * When a dataset finds no room, the slices of the datasets before it (another root) are dropped.
 */
final class SampleCache implements Serializable {
    /** The budget of {@link #auto()}: this share of the heap of the JVM that reads. */
    static final double HEAP_SHARE = 0.25;

    private static final Map<Key, HeldSlice> SLICES = new ConcurrentHashMap<>();
    private static final AtomicLong HELD = new AtomicLong();
    /** The dataset whose slices were last let in: while it stays the same, nothing is dropped. */
    private static volatile String latestRoot;

    /** A slice as read from a file of a given length and modification time, of a dataset's root. */
    record Key(String root, ShardSlice slice, long length, long modified) {
    }

    /** Bytes; negative: {@link #HEAP_SHARE} of the heap. */
    private final long budget;

    private SampleCache(long budget) {
        this.budget = budget;
    }

    /** A budget of {@link #HEAP_SHARE} of the heap of each JVM that reads. */
    static SampleCache auto() {
        return new SampleCache(-1);
    }

    /** A budget of {@code bytes} in each JVM that reads; 0: nothing is held. */
    static SampleCache of(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("sample cache of " + bytes + " bytes, expected 0 (none) or more");
        }
        return new SampleCache(bytes);
    }

    boolean holdsNothing() {
        return budget == 0;
    }

    private long budget() {
        return budget >= 0 ? budget : (long) (Runtime.getRuntime().maxMemory() * HEAP_SHARE);
    }

    /** The samples of {@code key}, or null when they are not held. */
    List<Sample> slice(Key key) {
        HeldSlice held = SLICES.get(key);
        return held == null ? null : held.samples;
    }

    /** Holds the samples of a slice read whole, if they fit. */
    void offer(Key key, List<Sample> samples) {
        long bytes = 0;
        for (Sample s : samples) {
            bytes += s.heldBytes();
        }
        if (roomFor(key.root(), bytes) < bytes || !reserve(bytes)) {
            return;
        }
        HeldSlice held = new HeldSlice(this, List.copyOf(samples), bytes);
        if (SLICES.putIfAbsent(key, held) != null) {
            HELD.addAndGet(-bytes);  // another task of this JVM read it at the same time
            return;
        }
        for (Sample s : held.samples) {
            s.heldIn(held);
        }
    }

    /** Bytes the budget has left in this JVM. */
    long room() {
        return budget() - HELD.get();
    }

    /**
     * Bytes the budget has left for slices of the dataset at {@code root}: when they are fewer than
     * {@code wanted} and another dataset's slices were let in last, those of every other dataset
     * are dropped first.
     */
    long roomFor(String root, long wanted) {
        long room = room();
        if (room < wanted && !root.equals(latestRoot)) {
            SLICES.entrySet().removeIf(e -> !e.getKey().root().equals(root) && e.getValue().drop());
            room = room();
        }
        latestRoot = root;
        return room;
    }

    /** Counts {@code bytes} against the budget; false (nothing counted) when they do not fit. */
    private boolean reserve(long bytes) {
        long limit = budget();
        while (true) {
            long held = HELD.get();
            if (held + bytes > limit) {
                return false;
            }
            if (HELD.compareAndSet(held, held + bytes)) {
                return true;
            }
        }
    }

    /** Bytes held in this JVM, encoded and decoded images together. */
    static long held() {
        return HELD.get();
    }

    /** Whether any slice of the dataset at {@code root} is held in this JVM. */
    static boolean holds(String root) {
        return SLICES.keySet().stream().anyMatch(k -> k.root().equals(root));
    }

    /** A held slice: its samples and the bytes counted for them, encoded and decoded. */
    static final class HeldSlice {
        private final SampleCache cache;
        final List<Sample> samples;
        private long bytes;
        private boolean dropped;

        private HeldSlice(SampleCache cache, List<Sample> samples, long bytes) {
            this.cache = cache;
            this.samples = samples;
            this.bytes = bytes;
        }

        boolean hasRoom() {
            return cache.room() > 0;
        }

        /** Counts a sample's decoded image; false when it does not fit or the slice is no longer held. */
        synchronized boolean reserve(long decoded) {
            if (dropped || !cache.reserve(decoded)) {
                return false;
            }
            bytes += decoded;
            return true;
        }

        /** Stops counting this slice; its samples keep what they decoded until they are collected. */
        synchronized boolean drop() {
            dropped = true;
            HELD.addAndGet(-bytes);
            return true;
        }
    }
}
