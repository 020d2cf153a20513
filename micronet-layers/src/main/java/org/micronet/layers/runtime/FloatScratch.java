package org.micronet.layers.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * The float arrays a layer hands its kernels, kept across calls so that a training step at a
 * fixed shape allocates none after the first. Slots grow to the largest size asked for; the
 * kernels take their lengths from the shape, never from the array. One layer instance runs
 * on one thread at a time, as DL4J's layers do.
 *
 * <p>Two kinds: {@link #get} slots belong to the layer and keep their contents between calls
 * (batch statistics from forward to backward, parameters); {@link #pass} slots hold
 * activation-sized data for the length of one call and are shared by every layer on the
 * thread. Were those per layer too, a network would hold several copies of every activation:
 * M3 at 224x224, batch 64 ran out of an 8 GB heap.
 */
final class FloatScratch {
    private static final ThreadLocal<FloatScratch> PASSING = ThreadLocal.withInitial(FloatScratch::new);

    private final List<float[]> slots = new ArrayList<>();

    /** This layer's slot {@code slot} with room for at least {@code length} floats; its contents are stale. */
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

    /** This thread's call-long slot {@code slot}: any layer may overwrite it once the call returns. */
    float[] pass(int slot, long length) {
        return PASSING.get().get(slot, length);
    }
}
