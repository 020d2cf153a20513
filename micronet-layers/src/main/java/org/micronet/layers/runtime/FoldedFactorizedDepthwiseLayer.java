package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.kernels.FactorizedDepthwiseKernel;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.FactorizedDepthwiseF32;
import org.micronet.layers.FoldedFactorizedDepthwise;
import org.micronet.layers.KernelBridge;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.micronet.layers.params.FoldedFactorizedDepthwiseParams.FIRST_BIAS;
import static org.micronet.layers.params.FoldedFactorizedDepthwiseParams.FIRST_WEIGHT;
import static org.micronet.layers.params.FoldedFactorizedDepthwiseParams.SECOND_BIAS;
import static org.micronet.layers.params.FoldedFactorizedDepthwiseParams.SECOND_WEIGHT;

/** The runtime of {@link FoldedFactorizedDepthwise}: the double reference, or the float SIMD kernel. Inference only. */
public class FoldedFactorizedDepthwiseLayer extends KernelLayer<FoldedFactorizedDepthwise> {
    private static final FactorizedDepthwiseF32 FAST =
            KernelProvider.fast(FactorizedDepthwiseF32.class, "FactorizedDepthwiseF32Vec");
    private static final int X = 0;
    private static final int Y = 2;
    private static final int WORK = 3;
    private static final int MID = 4;
    private static final int RAW = 9;
    private static final int W0 = 10;
    private static final int B0 = 11;
    private static final int W1 = 12;
    private static final int B1 = 13;

    private final transient ShuffledInput shuffled;

    public FoldedFactorizedDepthwiseLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        shuffled = new ShuffledInput(((FoldedFactorizedDepthwise) conf.getLayer()).getInputShuffles());
    }

    @Override
    protected INDArray forward(INDArray input, boolean training, LayerWorkspaceMgr mgr) {
        FoldedFactorizedDepthwise c = layerConf();
        long[] s = KernelBridge.nchw(input, c.getLayerName());
        FactorizedDepthwiseKernel.Geometry g = c.geometry((int) s[0], (int) s[2], (int) s[3]);
        FactorizedDepthwiseF32 k = KernelBridge.fastFor(FAST, input);
        if (k == null) {
            double[] y = new double[g.n() * g.out() * g.outHeight() * g.outWidth()];
            FactorizedDepthwiseKernel.forward(shuffled.read(input), param(FIRST_WEIGHT), param(FIRST_BIAS),
                    param(SECOND_WEIGHT), param(SECOND_BIAS), y, g);
            return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, input.dataType(), y,
                    g.n(), g.out(), g.outHeight(), g.outWidth());
        }
        float[] y = scratch.pass(Y, (long) g.n() * g.out() * g.outHeight() * g.outWidth());
        k.forward(shuffled.read(input, scratch, RAW, scratch.pass(X, input.length())), param(FIRST_WEIGHT, W0),
                param(FIRST_BIAS, B0), param(SECOND_WEIGHT, W1), param(SECOND_BIAS, B1), y, g,
                scratch.pass(MID, k.intermediateLength(g)), scratch.pass(WORK, k.scratchLength(g)));
        return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, y, g.n(), g.out(), g.outHeight(), g.outWidth());
    }

    @Override
    protected INDArray backward(INDArray input, INDArray epsilon, LayerWorkspaceMgr mgr) {
        throw new UnsupportedOperationException("layer '" + layerConf().getLayerName() + "' is a Micro-Factorized"
                + " depthwise conv folded for inference (batch norms folded away): train the network as built, not"
                + " the output of InferenceFolding");
    }
}
