package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.kernels.GroupedConvKernel;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.GroupedConvF32;
import org.micronet.layers.GroupedConv;
import org.micronet.layers.KernelBridge;
import org.micronet.layers.ConvParamLayer;
import org.micronet.layers.params.BlockParams;
import org.micronet.layers.params.GroupedConvParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The runtime of every {@link GroupedConv} layer: the double reference, or the float SIMD kernel. */
public class GroupedConvLayer<C extends ConvParamLayer & GroupedConv> extends KernelLayer<C> {
    private static final GroupedConvF32 FAST = KernelProvider.fast(GroupedConvF32.class, "GroupedConvF32Vec");
    private static final int X = 0;
    private static final int W = 1;
    private static final int Y = 2;
    private static final int WORK = 3;
    private static final int DY = 4;
    private static final int DX = 5;
    private static final int DW = 6;
    private static final int B = 7;
    private static final int DB = 8;
    private static final int RAW = 9;

    private final transient ShuffledInput shuffled;

    public GroupedConvLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        shuffled = new ShuffledInput(((ConvParamLayer) conf.getLayer()).getInputShuffles());
    }

    @Override
    protected INDArray forward(INDArray input, boolean training, LayerWorkspaceMgr mgr) {
        C c = layerConf();
        long[] s = KernelBridge.nchw(input, c.getLayerName());
        GroupedConvKernel.Geometry g = c.geometry((int) s[0], (int) s[2], (int) s[3]);
        KernelBridge.requireChannels(s, g.cin(), c.getLayerName());
        GroupedConvF32 k = KernelBridge.fastFor(FAST, input);
        if (k == null) {
            double[] y = new double[g.n() * g.cout() * g.outHeight() * g.outWidth()];
            GroupedConvKernel.forward(shuffled.read(input), param(GroupedConvParams.WEIGHT), y, g);
            if (c.isBias()) {
                ChannelBias.add(y, param(BlockParams.BIAS), g.n(), g.cout(), g.outHeight() * g.outWidth());
            }
            return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, input.dataType(), y,
                    g.n(), g.cout(), g.outHeight(), g.outWidth());
        }
        float[] y = scratch.pass(Y, (long) g.n() * g.cout() * g.outHeight() * g.outWidth());
        k.forward(shuffled.read(input, scratch, RAW, scratch.pass(X, input.length())),
                param(GroupedConvParams.WEIGHT, W), y, g, scratch.pass(WORK, k.scratchLength(g)));
        if (c.isBias()) {
            ChannelBias.add(y, param(BlockParams.BIAS, B), g.n(), g.cout(), g.outHeight() * g.outWidth());
        }
        return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, y, g.n(), g.cout(), g.outHeight(), g.outWidth());
    }

    @Override
    protected INDArray backward(INDArray input, INDArray epsilon, LayerWorkspaceMgr mgr) {
        C c = layerConf();
        long[] s = input.shape();
        GroupedConvKernel.Geometry g = c.geometry((int) s[0], (int) s[2], (int) s[3]);
        GroupedConvF32 k = KernelBridge.fastFor(FAST, input);
        if (k == null) {
            double[] dx = new double[(int) input.length()];
            double[] dw = new double[g.weightLength()];
            double[] dy = KernelBridge.read(epsilon);
            GroupedConvKernel.backward(shuffled.read(input), param(GroupedConvParams.WEIGHT), dy, dx, dw, g);
            setGradient(GroupedConvParams.WEIGHT, dw);
            if (c.isBias()) {
                setGradient(BlockParams.BIAS, ChannelBias.gradient(dy, g.n(), g.cout(), g.outHeight() * g.outWidth()));
            }
            return KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, input.dataType(), shuffled.gradient(dx, s), s);
        }
        float[] dx = scratch.pass(DX, input.length());
        float[] dw = scratch.get(DW, g.weightLength());
        float[] dy = KernelBridge.read(epsilon, scratch.pass(DY, epsilon.length()));
        k.backward(shuffled.read(input, scratch, RAW, scratch.pass(X, input.length())),
                param(GroupedConvParams.WEIGHT, W), dy, dx, dw, g, scratch.pass(WORK, k.scratchLength(g)));
        setGradient(GroupedConvParams.WEIGHT, dw);
        if (c.isBias()) {
            setGradient(BlockParams.BIAS, ChannelBias.gradient(dy, scratch.get(DB, g.cout()), g.n(), g.cout(),
                    g.outHeight() * g.outWidth()));
        }
        return KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, shuffled.gradient(dx, scratch, RAW, s), s);
    }
}
