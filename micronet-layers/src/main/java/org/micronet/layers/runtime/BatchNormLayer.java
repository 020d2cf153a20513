package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.kernels.BatchNormKernel;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.BatchNormF32;
import org.micronet.layers.BatchNorm;
import org.micronet.layers.KernelBridge;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

import static org.micronet.layers.params.BatchNormParams.BETA;
import static org.micronet.layers.params.BatchNormParams.GAMMA;
import static org.micronet.layers.params.BatchNormParams.MEAN;
import static org.micronet.layers.params.BatchNormParams.VAR;
import static org.micronet.layers.params.BatchNormParams.isRunningStatistic;

/**
 * Runs {@link BatchNormKernel}. A training forward keeps the batch statistics for the backward
 * pass, which also emits the running statistics' moving-average step as their "gradient".
 */
public class BatchNormLayer extends KernelLayer<BatchNorm> {
    private static final BatchNormF32 FAST = KernelProvider.fast(BatchNormF32.class, "BatchNormF32Vec");
    /** Scratch slots of the float path; the batch statistics stay in theirs from forward to backward. */
    private static final int IN = 0, OUT = 1, GRAD = 2, WORK = 3, GAMMA_IN = 4, BETA_IN = 5, MEAN_IN = 6, VAR_IN = 7,
            BATCH_MEAN = 8, BATCH_VAR = 9, INV_STD = 10, D_GAMMA = 11, D_BETA = 12, STEP = 13;

    private double[] batchMean;
    private double[] batchVar;
    private double[] invStd;
    /** Values per channel in the last training batch; 0 before the first. */
    private long batchCount;

    public BatchNormLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** [n, c, hw] of NCHW input, or [n, c, 1] of 2-d input. */
    private int[] dims(INDArray input) {
        BatchNorm c = layerConf();
        long[] s = input.shape();
        if ((s.length != 2 && s.length != 4) || s[1] != c.getChannels()) {
            throw new IllegalStateException("Layer '" + c.getLayerName() + "' expects [n, " + c.getChannels()
                    + "] or [n, " + c.getChannels() + ", h, w] input, got " + Arrays.toString(s));
        }
        return new int[]{(int) s[0], (int) s[1], s.length == 4 ? (int) (s[2] * s[3]) : 1};
    }

    @Override
    protected INDArray forward(INDArray input, boolean training, LayerWorkspaceMgr mgr) {
        BatchNorm c = layerConf();
        int[] d = dims(input);
        if (training) {
            batchCount = (long) d[0] * d[2];
            if (batchCount < 2) {
                throw new IllegalStateException("Layer '" + c.getLayerName()
                        + "' needs more than one value per channel to train (as PyTorch does), got input "
                        + Arrays.toString(input.shape()) + ": train with at least 2 images per batch, or run inference");
            }
        }
        BatchNormF32 k = KernelBridge.fastFor(FAST, input);
        if (k != null) {
            long len = input.length();
            float[] x = KernelBridge.read(input, scratch.pass(IN, len));
            float[] y = scratch.pass(OUT, len);
            float[] work = scratch.pass(WORK, k.scratchLength(d[0], d[1], d[2]));
            if (training) {
                k.forwardTraining(x, param(GAMMA, GAMMA_IN), param(BETA, BETA_IN), c.getEps(), c.getActivation(), y,
                        scratch.get(BATCH_MEAN, d[1]), scratch.get(BATCH_VAR, d[1]), scratch.get(INV_STD, d[1]), work,
                        d[0], d[1], d[2]);
            } else {
                k.forwardInference(x, param(GAMMA, GAMMA_IN), param(BETA, BETA_IN), param(MEAN, MEAN_IN),
                        param(VAR, VAR_IN), c.getEps(), c.getActivation(), y, work, d[0], d[1], d[2]);
            }
            return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, y, input.shape());
        }
        double[] x = KernelBridge.read(input);
        double[] y = new double[x.length];
        if (training) {
            batchMean = new double[d[1]];
            batchVar = new double[d[1]];
            invStd = new double[d[1]];
            BatchNormKernel.forwardTraining(x, param(GAMMA), param(BETA), c.getEps(), c.getActivation(), y, batchMean,
                    batchVar, invStd, d[0], d[1], d[2]);
        } else {
            BatchNormKernel.forwardInference(x, param(GAMMA), param(BETA), param(MEAN), param(VAR), c.getEps(),
                    c.getActivation(), y, d[0], d[1], d[2]);
        }
        return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, input.dataType(), y, input.shape());
    }

    @Override
    protected INDArray backward(INDArray input, INDArray epsilon, LayerWorkspaceMgr mgr) {
        if (batchCount == 0) {
            throw new IllegalStateException("Layer '" + layerConf().getLayerName()
                    + "': backpropagation needs a training-mode forward pass first");
        }
        int[] d = dims(input);
        double varScale = batchCount / (batchCount - 1.0);
        BatchNormF32 k = KernelBridge.fastFor(FAST, input);
        if (k != null) {
            long len = input.length();
            float[] dx = scratch.pass(OUT, len);
            float[] dGamma = scratch.get(D_GAMMA, d[1]);
            float[] dBeta = scratch.get(D_BETA, d[1]);
            float[] mean = scratch.get(BATCH_MEAN, d[1]);
            k.backward(KernelBridge.read(input, scratch.pass(IN, len)), KernelBridge.read(epsilon, scratch.pass(GRAD, len)),
                    param(GAMMA, GAMMA_IN), param(BETA, BETA_IN), mean, scratch.get(INV_STD, d[1]),
                    layerConf().getActivation(), dx, dGamma, dBeta, scratch.pass(WORK, k.scratchLength(d[0], d[1], d[2])),
                    d[0], d[1], d[2]);
            setGradient(GAMMA, dGamma);
            setGradient(BETA, dBeta);
            setGradient(MEAN, movingAverageStep(param(MEAN, MEAN_IN), mean, 1.0, scratch.get(STEP, d[1]), d[1]));
            setGradient(VAR, movingAverageStep(param(VAR, VAR_IN), scratch.get(BATCH_VAR, d[1]), varScale,
                    scratch.get(STEP, d[1]), d[1]));
            return KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, dx, input.shape());
        }
        double[] dx = new double[(int) input.length()];
        double[] dGamma = new double[d[1]];
        double[] dBeta = new double[d[1]];
        BatchNormKernel.backward(KernelBridge.read(input), KernelBridge.read(epsilon), param(GAMMA), param(BETA),
                batchMean, invStd, layerConf().getActivation(), dx, dGamma, dBeta, d[0], d[1], d[2]);
        setGradient(GAMMA, dGamma);
        setGradient(BETA, dBeta);
        setGradient(MEAN, movingAverageStep(param(MEAN), batchMean, 1.0));
        setGradient(VAR, movingAverageStep(param(VAR), batchVar, varScale));
        return KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, input.dataType(), dx, input.shape());
    }

    /** running - newRunning, so that the optimizer's params -= gradient leaves the moving average. */
    private double[] movingAverageStep(double[] running, double[] batch, double batchScale) {
        double m = layerConf().getMomentum();
        double[] step = new double[running.length];
        for (int i = 0; i < step.length; i++) {
            step[i] = m * (running[i] - batch[i] * batchScale);
        }
        return step;
    }

    /** {@link #movingAverageStep(double[], double[], double)} of the float path, into {@code step}. */
    private float[] movingAverageStep(float[] running, float[] batch, double batchScale, float[] step, int c) {
        double m = layerConf().getMomentum();
        for (int i = 0; i < c; i++) {
            step[i] = (float) (m * (running[i] - batch[i] * batchScale));
        }
        return step;
    }

    /** The running statistics' steps are final updates, not sums over the batch to average. */
    @Override
    public boolean updaterDivideByMinibatch(String paramName) {
        return !isRunningStatistic(paramName);
    }

    @Override
    public Type type() {
        return Type.NORMALIZATION;
    }
}
