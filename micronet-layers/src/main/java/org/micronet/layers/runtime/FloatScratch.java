package org.micronet.layers.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * The float arrays a layer hands its kernels, kept across calls so that a training step at a
 * fixed shape allocates none after the first. Slots grow to the largest size asked for; the
 * kernels take their lengths from the shape, never from the array. One layer instance runs
 * on one thread at a time, as DL4J's layers do.
 */
final class FloatScratch {
    private final List<float[]> slots = new ArrayList<>();

    /** Slot {@code slot} with room for at least {@code length} floats; its contents are stale. */
    float[] get(int slot, long length) {
        while (slots.size() <= slot) {
            slots.add(new float[0]);
        }
        float[] a = slots.get(slot);
        if (a.length < length) {
            a = new float[Math.toIntExact(length)];
            slots.set(slot, a);
        }
        return a;
    }
}
