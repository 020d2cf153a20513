package org.micronet.layers;

import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Moves data between ND4J arrays and the plain-array kernels of {@code org.micronet.kernels}. */
public final class KernelBridge {
    private KernelBridge() {
    }

    /** A c-order copy of the array's values; views read only their own elements. */
    public static double[] read(INDArray a) {
        // an array that owns its whole buffer in c order converts in one pass, without a dup
        return ownsBuffer(a) ? a.data().asDouble() : a.dup('c').data().asDouble();
    }

    public static INDArray write(LayerWorkspaceMgr mgr, ArrayType type, DataType dataType,
                                 double[] values, long... shape) {
        INDArray out = mgr.createUninitialized(type, dataType, shape, 'c');
        out.data().setData(values);
        return out;
    }

    /** Copies values into an existing array (a parameter or gradient view), keeping its type. */
    public static void assign(INDArray target, double[] values) {
        target.assign(Nd4j.create(values, target.shape(), 'c').castTo(target.dataType()));
    }

    private static boolean ownsBuffer(INDArray a) {
        return a.ordering() == 'c' && a.offset() == 0 && a.data().length() == a.length()
                && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(a);
    }

    /** Shape [n, c, h, w] of a 4-d activation, or an error naming the layer. */
    public static long[] nchw(INDArray input, String layerName) {
        if (input.rank() != 4) {
            throw new IllegalStateException("Layer '" + layerName + "' expects NCHW input of rank 4, got shape "
                    + java.util.Arrays.toString(input.shape()));
        }
        return input.shape();
    }
}
