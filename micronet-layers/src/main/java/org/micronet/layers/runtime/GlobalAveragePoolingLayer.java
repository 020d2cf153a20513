package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.pooling.GlobalPoolingLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.layers.KernelBridge;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * DL4J's global pooling layer, whose backward pass for FLOAT average pooling of [n, c, h, w]
 * fills each plane with its gradient over h * w in one pass: DL4J broadcasts, then divides with a
 * scalar op, which made a buffer outside any workspace every training step. The results are
 * DL4J's to the bit; masks, other poolings, types and ranks take DL4J's path.
 */
public class GlobalAveragePoolingLayer extends GlobalPoolingLayer {
    private static final int GRADIENT = 0;
    private static final int[] HEIGHT_AND_WIDTH = {2, 3};
    private final FloatScratch scratch = new FloatScratch();

    public GlobalAveragePoolingLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer conf = layerConf();
        int[] dims = conf.getPoolingDimensions();
        if (maskArray != null || input.rank() != 4 || input.dataType() != DataType.FLOAT
                || epsilon.dataType() != DataType.FLOAT || conf.getPoolingType() != PoolingType.AVG
                || (dims != null && !Arrays.equals(dims, HEIGHT_AND_WIDTH))) {
            return super.backpropGradient(epsilon, mgr);
        }
        long[] shape = input.shape();
        int planes = Math.toIntExact(shape[0] * shape[1]);
        int area = Math.toIntExact(shape[2] * shape[3]);
        float[] e = KernelBridge.read(epsilon, scratch.get(GRADIENT, planes));
        float[] dx = scratch.pass(0, (long) planes * area);
        for (int p = 0; p < planes; p++) {
            Arrays.fill(dx, p * area, (p + 1) * area, e[p] / area);
        }
        return new Pair<>(new DefaultGradient(), KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, dx, shape));
    }
}
