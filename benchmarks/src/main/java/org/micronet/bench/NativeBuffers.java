package org.micronet.bench;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Counts the floating-point buffers (activations, gradients, scalars) that ND4J creates outside any
 * workspace, and their bytes. ND4J registers every buffer with its deallocator service (a
 * workspace's too, though the workspace owns the memory) under an id it never reuses, and drops
 * it only after a garbage collection has found it unreachable; so, over calls during which no
 * collection ran, the ids new since a snapshot are every buffer the calls created. Integer buffers
 * are left out: most are Java wrappers that ND4J makes on every op over shape and
 * tensor-along-dimension arrays it keeps cached natively, not allocations of memory. ND4J exposes
 * no counter for any of it: the service's map is read by reflection; where that fails (another
 * ND4J version) {@link #available} is false and the counts read 0.
 */
final class NativeBuffers {
    private static final Map<?, ?> REGISTERED = registered();

    /** Floating-point buffers outside workspaces, and their bytes. */
    record Count(long buffers, long bytes) {
    }

    private NativeBuffers() {
    }

    static boolean available() {
        return REGISTERED != null;
    }

    /** The ids of the buffers registered now, to pass to {@link #createdSince}. */
    static Set<Object> snapshot() {
        return REGISTERED == null ? Set.of() : new HashSet<>(REGISTERED.keySet());
    }

    /** The floating-point buffers outside workspaces registered since {@code snapshot} and still registered. */
    static Count createdSince(Set<Object> snapshot) {
        long buffers = 0, bytes = 0;
        if (REGISTERED != null) {
            for (Map.Entry<?, ?> e : new ArrayList<>(REGISTERED.entrySet())) {
                if (!snapshot.contains(e.getKey()) && ((Reference<?>) e.getValue()).get() instanceof DataBuffer b
                        && b.dataType().isFPType() && !b.isAttached() && b.originalDataBuffer() == null) {
                    buffers++;
                    bytes += b.length() * b.getElementSize();
                }
            }
        }
        return new Count(buffers, bytes);
    }

    private static Map<?, ?> registered() {
        try {
            Object service = Nd4j.getDeallocatorService();
            Field f = service.getClass().getDeclaredField("referenceMap");
            f.setAccessible(true);
            return (Map<?, ?>) f.get(service);
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.err.println("ND4J's buffers outside workspaces are not counted: " + e);
            return null;
        }
    }
}
