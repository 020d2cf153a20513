package org.micronet.bench.kernels;

import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.MaxGroupPoolingKernel;
import org.micronet.kernels.api.MaxGroupPoolingF32;
import org.micronet.layers.KernelBridge;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Max group pooling, old path (INDArray to double[], {@link MaxGroupPoolingKernel}, back to
 * float) against the float32 kernel with its bulk copies. No MicroNet config uses the layer, so
 * the shapes are stand-ins of M0's plane sizes.
 */
public final class MaxGroupPoolingBench {
    private MaxGroupPoolingBench() {
    }

    public static void main(String[] args) {
        MaxGroupPoolingF32 fast = KernelProvider.fast(MaxGroupPoolingF32.class, "MaxGroupPoolingF32Vec");
        KernelTimer.header("max group pooling");
        int[][] shapes = {{128, 16, 2, 256}, {128, 32, 2, 64}, {128, 64, 2, 16}, {128, 128, 2, 4}, {1, 16, 2, 12544}};
        for (int[] s : shapes) {
            pooling(fast, s[0], s[1], s[2], s[3]);
        }
    }

    private static void pooling(MaxGroupPoolingF32 fast, int n, int c, int size, int hw) {
        int len = n * c * hw;
        int outLen = len / size;
        INDArray in = Nd4j.randn(DataType.FLOAT, len);
        INDArray eps = Nd4j.randn(DataType.FLOAT, outLen);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, outLen);
        INDArray grad = Nd4j.createUninitialized(DataType.FLOAT, len);
        float[] x = KernelBridge.read(in, new float[len]);
        float[] dy = KernelBridge.read(eps, new float[outLen]);
        float[] y = new float[outLen];
        float[] dx = new float[len];
        String shape = String.format("%dx%dx%d /%d", n, c, hw, size);
        KernelTimer.row(shape + " fwd", 4.0 * (len + outLen),
                () -> {
                    double[] yD = new double[outLen];
                    MaxGroupPoolingKernel.forward(KernelBridge.read(in), yD, n, c, size, hw);
                    KernelBridge.assign(out, yD);
                },
                () -> {
                    fast.forward(KernelBridge.read(in, x), y, n, c, size, hw);
                    KernelBridge.assign(out, y);
                },
                () -> fast.forward(x, y, n, c, size, hw));
        KernelTimer.row(shape + " bwd", 4.0 * (2 * len + outLen),
                () -> {
                    double[] dxD = new double[len];
                    MaxGroupPoolingKernel.backward(KernelBridge.read(in), KernelBridge.read(eps), dxD, n, c, size, hw);
                    KernelBridge.assign(grad, dxD);
                },
                () -> {
                    fast.backward(KernelBridge.read(in, x), KernelBridge.read(eps, dy), dx, n, c, size, hw);
                    KernelBridge.assign(grad, dx);
                },
                () -> fast.backward(x, dy, dx, n, c, size, hw));
    }
}
