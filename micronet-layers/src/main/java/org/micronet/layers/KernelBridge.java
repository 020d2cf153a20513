package org.micronet.layers;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Moves data between ND4J arrays and the plain-array kernels of {@code org.micronet.kernels}.
 * Float and double buffers move by one native bulk copy (ND4J's own asDouble/setData go
 * element by element, which cost more than the kernels themselves).
 */
public final class KernelBridge {
    private KernelBridge() {
    }

    /** A c-order copy of the array's values; views read only their own elements. */
    public static double[] read(INDArray a) {
        INDArray c = inPlace(a) ? a : a.dup('c');
        int n = Math.toIntExact(c.length());
        if (c.dataType() == DataType.DOUBLE) {
            double[] out = new double[n];
            new DoublePointer(c.data().addressPointer()).get(out, 0, n);
            return out;
        }
        if (c.dataType() != DataType.FLOAT) {
            return c.data().asDouble();
        }
        float[] f = new float[n];
        new FloatPointer(c.data().addressPointer()).get(f, 0, n);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = f[i];
        }
        return out;
    }

    public static INDArray write(LayerWorkspaceMgr mgr, ArrayType type, DataType dataType,
                                 double[] values, long... shape) {
        INDArray out = mgr.createUninitialized(type, dataType, shape, 'c');
        put(out, values);
        return out;
    }

    /** Copies values into an existing array (a parameter or gradient view), keeping its type. */
    public static void assign(INDArray target, double[] values) {
        if (inPlace(target)) {
            put(target, values);
        } else {
            target.assign(Nd4j.create(values, target.shape(), 'c').castTo(target.dataType()));
        }
    }

    private static void put(INDArray target, double[] values) {
        int n = values.length;
        switch (target.dataType()) {
            case DOUBLE -> new DoublePointer(target.data().addressPointer()).put(values, 0, n);
            case FLOAT -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = (float) values[i];
                }
                new FloatPointer(target.data().addressPointer()).put(f, 0, n);
            }
            default -> target.data().setData(values);
        }
    }

    /**
     * Whether the array's elements lie contiguous in c order from its offset, so that
     * {@link #read} and {@link #assign} copy its memory directly, without a c-order duplicate. Its
     * order flag does not matter where the strides agree: DL4J's updater hands each parameter and
     * gradient to the regularisation as an f-ordered [1, n] view of unit stride into the whole
     * flattened vector, whose buffer {@code data()} holds the rest of the vector too.
     */
    public static boolean inPlace(INDArray a) {
        return denseInCOrder(a.shape(), a.stride());
    }

    /**
     * C-order strides, except on dimensions of size 1, whose stride ND4J sets as it likes: it
     * gives [n, c, 1, 1] activations and [cout, 1, k] parameter views strides that its own
     * default-stride check rejects, which cost a dup per read and refused gradient writes.
     */
    private static boolean denseInCOrder(long[] shape, long[] stride) {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /**
     * Whether the array's elements fill a run of its buffer from its offset, in c or in f order,
     * so that {@link #readInMemoryOrder} copies them directly: DL4J keeps dense weights as f-order
     * views into the flattened parameters.
     */
    public static boolean contiguous(INDArray a) {
        return inPlace(a) || denseInCOrder(reversed(a.shape()), reversed(a.stride()));
    }

    private static long[] reversed(long[] v) {
        long[] r = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = v[v.length - 1 - i];
        }
        return r;
    }

    /**
     * Copies a {@link #contiguous} FLOAT array's values in the order they lie in memory into the
     * start of {@code into}, for computations that do not depend on the order (a sum of squares).
     */
    public static float[] readInMemoryOrder(INDArray a, float[] into) {
        if (a.dataType() != DataType.FLOAT || !contiguous(a)) {
            throw new IllegalArgumentException("expected a contiguous FLOAT array, got " + a.dataType() + " "
                    + java.util.Arrays.toString(a.shape()) + " of strides " + java.util.Arrays.toString(a.stride()));
        }
        floats(a).get(into, 0, Math.toIntExact(a.length()));
        return into;
    }

    /**
     * Copies a FLOAT array's values, in c order, into the start of {@code into} (which may be
     * longer: scratch sized for the largest batch) and returns it.
     */
    public static float[] read(INDArray a, float[] into) {
        INDArray c = inPlace(a) ? a : a.dup('c');
        int n = Math.toIntExact(c.length());
        if (c.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("float kernels need FLOAT arrays, got " + c.dataType());
        }
        floats(c).get(into, 0, n);
        return into;
    }

    /** A new FLOAT array of the given shape from the workspace, holding the first values of {@code values}. */
    public static INDArray write(LayerWorkspaceMgr mgr, ArrayType type, float[] values, long... shape) {
        INDArray out = WorkspaceArrays.createUninitialized(mgr, type, shape);
        floats(out).put(values, 0, Math.toIntExact(out.length()));
        return out;
    }

    /** Copies the first values of {@code values} into a FLOAT array (a parameter or gradient view, an activation). */
    public static void assign(INDArray target, float[] values) {
        if (target.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("expected a FLOAT array, got " + target.dataType() + " "
                    + java.util.Arrays.toString(target.shape()));
        }
        int n = Math.toIntExact(target.length());
        if (inPlace(target)) {
            floats(target).put(values, 0, n);
        } else {
            target.assign(Nd4j.create(java.util.Arrays.copyOf(values, n), target.shape(), 'c'));
        }
    }

    /**
     * This thread's pointer, moved onto a FLOAT array that owns its buffer. ND4J's addressPointer()
     * makes four JavaCPP pointers a call, and the float layers of a step copy in and out about a
     * thousand times; {@code DataBuffer.address()} is that of a view's whole buffer, so the view's
     * offset is added.
     */
    private static FloatPointer floats(INDArray a) {
        DataBuffer d = a.data();
        return FLOATS.get().at(d.address() + d.offset() * d.getElementSize(), a.length());
    }

    private static final ThreadLocal<MovableFloatPointer> FLOATS = ThreadLocal.withInitial(MovableFloatPointer::new);

    /** A pointer to memory it does not own (no deallocator), re-aimed instead of allocated per copy. */
    private static final class MovableFloatPointer extends FloatPointer {
        MovableFloatPointer at(long address, long length) {
            this.address = address;
            this.position = 0;
            this.limit = length;
            this.capacity = length;
            return this;
        }
    }

    /** {@code slots[slot]}, first replaced by a longer array when it holds fewer than {@code n} floats: per-thread scratch. */
    public static float[] atLeast(float[][] slots, int slot, int n) {
        if (slots[slot].length < n) {
            slots[slot] = new float[n];
        }
        return slots[slot];
    }

    /**
     * The one place that routes by data type: {@code fast} (a SIMD kernel, null when this JVM
     * runs none) when the array is FLOAT, else null. DOUBLE layers, the ones gradient checks
     * run, always take the double references.
     */
    public static <T> T fastFor(T fast, INDArray array) {
        return fast != null && array.dataType() == DataType.FLOAT ? fast : null;
    }

    /** Shape [n, c, h, w] of a 4-d activation, or an error naming the layer. */
    public static long[] nchw(INDArray input, String layerName) {
        if (input.rank() != 4) {
            throw new IllegalStateException("Layer '" + layerName + "' expects NCHW input of rank 4, got shape "
                    + java.util.Arrays.toString(input.shape()));
        }
        return input.shape();
    }

    /**
     * Refuses an NCHW shape without {@code channels} channels, naming the layer: the kernels take
     * the count from the layer's configuration, so another would read past the input.
     */
    public static void requireChannels(long[] nchw, int channels, String layerName) {
        if (nchw[1] != channels) {
            throw new IllegalStateException("Layer '" + layerName + "' expects " + channels
                    + " input channels (NCHW), got shape " + java.util.Arrays.toString(nchw));
        }
    }
}
