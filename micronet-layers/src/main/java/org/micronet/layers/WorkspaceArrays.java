package org.micronet.layers;

import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.common.util.ArrayUtil;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.cpu.nativecpu.NDArray;
import org.nd4j.linalg.cpu.nativecpu.buffer.LongBuffer;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * FLOAT c-order arrays in a layer's workspace, as {@code mgr.createUninitialized} makes them but
 * without its per-array shape information. ND4J builds that anew for every array: a native call,
 * a Java buffer object and a deallocator registration each time, which a batch-1 forward pass of
 * M0 spent a third of its time on (JFR, 224x224). The shape information lives in libnd4j's
 * constant cache anyway, so one Java wrapper per shape is kept here and shared. Arrays outside
 * workspaces (a layer run on its own) keep ND4J's way: built like this they made a per-layer
 * timing sweep of M3 three times slower (136 against 43 ms).
 */
final class WorkspaceArrays {
    private record Shape(long[] dims) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Shape s && Arrays.equals(dims, s.dims);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(dims);
        }
    }

    private static final ConcurrentHashMap<Shape, Pair<DataBuffer, long[]>> SHAPE_INFO = new ConcurrentHashMap<>();

    private WorkspaceArrays() {
    }

    static INDArray createUninitialized(LayerWorkspaceMgr mgr, ArrayType type, long... shape) {
        Pair<DataBuffer, long[]> info = SHAPE_INFO.computeIfAbsent(new Shape(shape.clone()), WorkspaceArrays::shapeInfo);
        if (!(info.getFirst() instanceof LongBuffer cpuShapeInfo) || mgr.isScopedOut(type)) {
            return mgr.createUninitialized(type, DataType.FLOAT, shape, 'c');
        }
        try (MemoryWorkspace ignored = mgr.notifyScopeBorrowed(type)) {
            DataBuffer data = Nd4j.createBuffer(DataType.FLOAT, ArrayUtil.prodLong(shape), false);
            return new NDArray(data, cpuShapeInfo, info.getSecond());
        }
    }

    private static Pair<DataBuffer, long[]> shapeInfo(Shape s) {
        // built outside any workspace: the cached wrapper outlives every workspace cycle
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return Nd4j.getShapeInfoProvider().createShapeInformation(s.dims(), Nd4j.getStrides(s.dims(), 'c'), 1, 'c',
                    DataType.FLOAT, false);
        }
    }
}
