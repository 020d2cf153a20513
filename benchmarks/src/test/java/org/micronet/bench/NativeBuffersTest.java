package org.micronet.bench;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.ref.Reference;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeBuffersTest {
    private static final WorkspaceConfiguration WS = WorkspaceConfiguration.builder().initialSize(1 << 20).build();

    @Test
    void countsFloatBuffersOutsideWorkspacesOnly() {
        assertTrue(NativeBuffers.available(), "ND4J's deallocator map is not readable on this ND4J version");
        Set<Object> before = NativeBuffers.snapshot();
        INDArray outside = Nd4j.create(DataType.FLOAT, 10, 25);
        INDArray indices = Nd4j.create(DataType.LONG, 1000);
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS, "NativeBuffersTest")) {
            Nd4j.create(DataType.FLOAT, 100, 100);
        }
        NativeBuffers.Count created = NativeBuffers.createdSince(before);
        // the float array outside the workspace, 250 floats; neither the integer one nor the workspace's
        assertEquals(new NativeBuffers.Count(1, 1000), created);
        assertEquals(0, NativeBuffers.createdSince(NativeBuffers.snapshot()).buffers());
        Reference.reachabilityFence(outside);
        Reference.reachabilityFence(indices);
    }
}
