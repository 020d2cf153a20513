package org.micronet.bench.kernels;

import org.micronet.kernels.BatchNormKernel;
import org.micronet.kernels.FusedActivation;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.BatchNormF32;
import org.micronet.layers.BatchNorm;
import org.micronet.layers.KernelBridge;
import org.micronet.models.ModelShapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.micronet.bench.kernels.BenchData.narrow;

/**
 * Batch norm, old path (INDArray to double[], {@link BatchNormKernel}, back to float) against
 * the float32 kernel with its bulk copies, both into a preallocated output, on M0's batch-norm shapes: training forward and backward at batch 128,
 * 32x32 input, and inference at batch 1, 224x224. Run with {@code -Dmicronet.kernels.threads=1}
 * for one core.
 */
public final class BatchNormBench {
    private static final double EPS = 1e-5;

    private BatchNormBench() {
    }

    public static void main(String[] args) {
        BatchNormF32 fast = KernelProvider.fast(BatchNormF32.class, "BatchNormF32Vec");
        KernelTimer.header("batch norm");
        for (int[] s : shapes(32, 128)) {
            training(fast, s[0], s[1], s[2], s[3]);
        }
        for (int[] s : shapes(224, 1)) {
            inference(fast, s[0], s[1], s[2], s[3]);
        }
    }

    /** {n, c, h, w} of every distinct M0 batch norm at this input size; 2-d ones as h = w = 1. */
    private static List<int[]> shapes(int inputSize, int batch) {
        List<int[]> shapes = new ArrayList<>();
        for (ModelShapes.Use<BatchNorm> use : ModelShapes.of("m0", inputSize, BatchNorm.class)) {
            int[] chw = ModelShapes.channelsAndPlane(use.input());
            int[] s = {batch, chw[0], 1, chw[1]};
            if (shapes.stream().noneMatch(o -> o[1] == s[1] && o[3] == s[3])) {
                shapes.add(s);
            }
        }
        return shapes;
    }

    private static void training(BatchNormF32 fast, int n, int c, int h, int w) {
        int hw = h * w;
        int len = n * c * hw;
        INDArray in = Nd4j.randn(DataType.FLOAT, n, c, h, w).muli(2).addi(1);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, len);
        INDArray eps = Nd4j.randn(DataType.FLOAT, n, c, h, w);
        double[] gammaD = Nd4j.rand(DataType.DOUBLE, c).addi(0.5).toDoubleVector();
        double[] betaD = Nd4j.randn(DataType.DOUBLE, c).toDoubleVector();
        double[] meanD = new double[c];
        double[] varD = new double[c];
        double[] isD = new double[c];
        float[] gamma = narrow(gammaD);
        float[] beta = narrow(betaD);
        float[] x = KernelBridge.read(in, new float[len]);
        float[] dy = KernelBridge.read(eps, new float[len]);
        float[] y = new float[len];
        float[] mean = new float[c];
        float[] var = new float[c];
        float[] invStd = new float[c];
        float[] dgamma = new float[c];
        float[] dbeta = new float[c];
        float[] scratch = new float[fast.scratchLength(n, c, hw)];
        String shape = String.format("%dx%dx%dx%d", n, c, h, w);

        KernelTimer.row(shape + " fwd", 8.0 * len,
                () -> {
                    double[] yD = new double[len];
                    BatchNormKernel.forwardTraining(KernelBridge.read(in), gammaD, betaD, EPS, FusedActivation.NONE, yD, meanD, varD, isD, n, c, hw);
                    KernelBridge.assign(out, yD);
                },
                () -> {
                    fast.forwardTraining(KernelBridge.read(in, x), gamma, beta, EPS, FusedActivation.NONE, y, mean, var, invStd, scratch, n, c, hw);
                    KernelBridge.assign(out, y);
                },
                () -> fast.forwardTraining(x, gamma, beta, EPS, FusedActivation.NONE, y, mean, var, invStd, scratch, n, c, hw));
        KernelTimer.row(shape + " bwd", 12.0 * len,
                () -> {
                    double[] dxD = new double[len];
                    BatchNormKernel.backward(KernelBridge.read(in), KernelBridge.read(eps), gammaD, betaD, meanD, isD, FusedActivation.NONE, dxD,
                            new double[c], new double[c], n, c, hw);
                    KernelBridge.assign(out, dxD);
                },
                () -> {
                    fast.backward(KernelBridge.read(in, x), KernelBridge.read(eps, dy), gamma, beta, mean, invStd, FusedActivation.NONE, y, dgamma,
                            dbeta, scratch, n, c, hw);
                    KernelBridge.assign(out, y);
                },
                () -> fast.backward(x, dy, gamma, beta, mean, invStd, FusedActivation.NONE, y, dgamma, dbeta, scratch, n, c, hw));
    }

    private static void inference(BatchNormF32 fast, int n, int c, int h, int w) {
        int hw = h * w;
        int len = n * c * hw;
        INDArray in = Nd4j.randn(DataType.FLOAT, n, c, h, w);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, len);
        double[] gammaD = Nd4j.rand(DataType.DOUBLE, c).addi(0.5).toDoubleVector();
        double[] betaD = Nd4j.randn(DataType.DOUBLE, c).toDoubleVector();
        double[] rmD = Nd4j.randn(DataType.DOUBLE, c).toDoubleVector();
        double[] rvD = Nd4j.rand(DataType.DOUBLE, c).addi(0.5).toDoubleVector();
        float[] gamma = narrow(gammaD);
        float[] beta = narrow(betaD);
        float[] rm = narrow(rmD);
        float[] rv = narrow(rvD);
        float[] x = KernelBridge.read(in, new float[len]);
        float[] y = new float[len];
        float[] scratch = new float[fast.scratchLength(n, c, hw)];
        KernelTimer.row(String.format("%dx%dx%dx%d inf", n, c, h, w), 8.0 * len,
                () -> {
                    double[] yD = new double[len];
                    BatchNormKernel.forwardInference(KernelBridge.read(in), gammaD, betaD, rmD, rvD, EPS, FusedActivation.NONE, yD, n, c, hw);
                    KernelBridge.assign(out, yD);
                },
                () -> {
                    fast.forwardInference(KernelBridge.read(in, x), gamma, beta, rm, rv, EPS, FusedActivation.NONE, y, scratch, n, c, hw);
                    KernelBridge.assign(out, y);
                },
                () -> fast.forwardInference(x, gamma, beta, rm, rv, EPS, FusedActivation.NONE, y, scratch, n, c, hw));
    }
}
