package org.micronet.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the hardware gives a dense float matrix multiply (OpenBLAS through ND4J) for a layer's
 * shape: M = output channels, N = batch * output pixels, K = multiply-adds per output value.
 * The per-layer targets compare each layer's multiply-adds per second with this.
 */
final class GemmReference {
    private GemmReference() {
    }

    /** Multiply-adds per second of an M x K by K x N product. */
    static double maddsPerSecond(long m, long k, long n, int runs) {
        INDArray a = Nd4j.rand(DataType.FLOAT, m, k);
        INDArray b = Nd4j.rand(DataType.FLOAT, k, n);
        INDArray c = Nd4j.create(DataType.FLOAT, m, n);
        double seconds = Timing.medianSeconds(2, runs, () -> Nd4j.gemm(a, b, c, false, false, 1.0, 0.0));
        return m * k * n / seconds;
    }
}
