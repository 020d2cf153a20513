package org.micronet.layers;

import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelBridgeTest {

    /** [n, c, 1, 1] activations (1x1 planes) are contiguous although ND4J's default-stride check says not. */
    @Test
    void arraysWithUnitDimensionsAreCopiedInPlace() {
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, 2, 3, 1, 1);
        float[] values = {1, 2, 3, 4, 5, 6};
        KernelBridge.assign(a, values);
        assertArrayEquals(values, KernelBridge.read(a, new float[6]));
        assertArrayEquals(new double[]{1, 2, 3, 4, 5, 6}, a.dup().data().asDouble());
    }

    /**
     * Parameters and their gradients are views into one flattened vector, some of them views of
     * views: a read or write must start at the view's own first element and stay inside it.
     */
    @Test
    void viewsIntoAFlatVectorAreReadAndWrittenAtTheirOffset() {
        INDArray flat = Nd4j.create(DataType.FLOAT, 1, 1000);
        for (int i = 0; i < 1000; i++) {
            flat.putScalar(0, i, i);
        }
        INDArray param = flat.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(100, 300)).reshape('c', 4, 50);
        INDArray rows = param.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
        float[] read = KernelBridge.read(rows, new float[100]);
        for (int i = 0; i < 100; i++) {
            assertEquals(150 + i, read[i], "element " + i);
        }
        float[] written = new float[100];
        java.util.Arrays.fill(written, -1);
        KernelBridge.assign(rows, written);
        float[] all = flat.data().asFloat();
        for (int i = 0; i < 1000; i++) {
            assertEquals(i >= 150 && i < 250 ? -1 : i, all[i], "element " + i + " of the flat vector");
        }
    }

    /**
     * DL4J's updater hands the regularisation f-ordered [1, n] rows of unit stride into the whole
     * flattened vector: they are copied in place, at their offset.
     */
    @Test
    void fOrderedRowsOfAFlatVectorAreCopiedInPlace() {
        INDArray flat = Nd4j.create(DataType.FLOAT, new long[]{1, 1000}, 'f');
        for (int i = 0; i < 1000; i++) {
            flat.putScalar(0, i, i);
        }
        INDArray row = flat.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(100, 300));
        assertEquals('f', row.ordering());
        assertTrue(KernelBridge.inPlace(row));
        float[] read = KernelBridge.read(row, new float[200]);
        for (int i = 0; i < 200; i++) {
            assertEquals(100 + i, read[i], "element " + i);
        }
        float[] written = new float[200];
        java.util.Arrays.fill(written, -1);
        KernelBridge.assign(row, written);
        float[] all = flat.data().asFloat();
        for (int i = 0; i < 1000; i++) {
            assertEquals(i >= 100 && i < 300 ? -1 : i, all[i], "element " + i + " of the flat vector");
        }
        assertFalse(KernelBridge.inPlace(Nd4j.create(DataType.FLOAT, new long[]{3, 4}, 'f')));
    }

    @Test
    void transposedViewsAreNotTakenForContiguous() {
        INDArray m = Nd4j.createFromArray(new float[][]{{1, 2, 3}, {4, 5, 6}});
        INDArray t = m.transpose();
        assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, KernelBridge.read(t, new float[6]));
        // written in the view's own c order, which is not its buffer's
        KernelBridge.assign(t, new float[]{10, 40, 20, 50, 30, 60});
        assertArrayEquals(new double[]{10, 20, 30, 40, 50, 60}, m.dup('c').data().asDouble());
        assertThrows(IllegalArgumentException.class, () -> KernelBridge.assign(Nd4j.zeros(DataType.DOUBLE, 2), new float[2]));
    }

    /**
     * Written activations share a cached shape-information wrapper per shape (WorkspaceArrays)
     * but not their data, live in the layer's workspace, and keep their shape after the
     * workspace has cycled.
     */
    @Test
    void writtenArraysAreInTheLayersWorkspaceWithTheirOwnData() {
        String ws = "kernel-bridge-test";
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.builder()
                .with(ArrayType.ACTIVATIONS, ws, WorkspaceConfiguration.builder().build()).defaultNoWorkspace().build();
        for (int cycle = 0; cycle < 2; cycle++) {
            try (MemoryWorkspace ignored = mgr.notifyScopeEntered(ArrayType.ACTIVATIONS)) {
                INDArray a = KernelBridge.write(mgr, ArrayType.ACTIVATIONS, new float[]{1, 2, 3, 4, 5, 6}, 1, 2, 3);
                INDArray b = KernelBridge.write(mgr, ArrayType.ACTIVATIONS, new float[]{7, 8, 9, 10, 11, 12}, 1, 2, 3);
                assertTrue(a.isAttached() && b.isAttached(), "activations come from the workspace");
                assertEquals(ws, a.data().getParentWorkspace().getId());
                assertNotEquals(a.data().address(), b.data().address());
                assertArrayEquals(new long[]{1, 2, 3}, b.shape());
                assertArrayEquals(new long[]{6, 3, 1}, b.stride());
                assertEquals(5f, a.getFloat(0, 1, 1));
                assertEquals(11f, b.getFloat(0, 1, 1));
            }
        }
        INDArray detached = KernelBridge.write(LayerWorkspaceMgr.noWorkspaces(), ArrayType.ACTIVATIONS,
                new float[]{1, 2}, 2, 1);
        assertFalse(detached.isAttached());
        assertArrayEquals(new float[]{1, 2}, detached.data().asFloat());
    }
}
