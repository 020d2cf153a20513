package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.kernels.BatchNormKernel;
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
    private double[] batchMean;
    private double[] batchVar;
    private double[] invStd;
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
        double[] x = KernelBridge.read(input);
        double[] y = new double[x.length];
        if (training) {
            batchCount = (long) d[0] * d[2];
            if (batchCount < 2) {
                throw new IllegalStateException("Layer '" + c.getLayerName()
                        + "' needs more than one value per channel to train (as PyTorch does), got input "
                        + Arrays.toString(input.shape()) + ": train with at least 2 images per batch, or run inference");
            }
            batchMean = new double[d[1]];
            batchVar = new double[d[1]];
            invStd = new double[d[1]];
            BatchNormKernel.forwardTraining(x, param(GAMMA), param(BETA), c.getEps(), y, batchMean, batchVar, invStd,
                    d[0], d[1], d[2]);
        } else {
            BatchNormKernel.forwardInference(x, param(GAMMA), param(BETA), param(MEAN), param(VAR), c.getEps(), y,
                    d[0], d[1], d[2]);
        }
        return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, input.dataType(), y, input.shape());
    }

    @Override
    protected INDArray backward(INDArray input, INDArray epsilon, LayerWorkspaceMgr mgr) {
        if (invStd == null) {
            throw new IllegalStateException("Layer '" + layerConf().getLayerName()
                    + "': backpropagation needs a training-mode forward pass first");
        }
        int[] d = dims(input);
        double[] dx = new double[(int) input.length()];
        double[] dGamma = new double[d[1]];
        double[] dBeta = new double[d[1]];
        BatchNormKernel.backward(KernelBridge.read(input), KernelBridge.read(epsilon), param(GAMMA), batchMean, invStd,
                dx, dGamma, dBeta, d[0], d[1], d[2]);
        setGradient(GAMMA, dGamma);
        setGradient(BETA, dBeta);
        setGradient(MEAN, movingAverageStep(param(MEAN), batchMean, 1.0));
        setGradient(VAR, movingAverageStep(param(VAR), batchVar, batchCount / (batchCount - 1.0)));
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
