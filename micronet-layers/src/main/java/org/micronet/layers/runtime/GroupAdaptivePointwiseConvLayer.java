package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.kernels.FusedActivation;
import org.micronet.kernels.GroupedPointwiseKernel;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.PointwiseGroupedF32;
import org.micronet.layers.GroupAdaptivePointwiseConv;
import org.micronet.layers.KernelBridge;
import org.micronet.layers.params.BlockParams;
import org.micronet.layers.params.GroupAdaptivePointwiseConvParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public class GroupAdaptivePointwiseConvLayer extends KernelLayer<GroupAdaptivePointwiseConv> {
    private static final PointwiseGroupedF32 FAST = KernelProvider.fast(PointwiseGroupedF32.class, "PointwiseGroupedF32Vec");
    private static final int INPUT = 0;
    private static final int WEIGHT = 1;
    private static final int OUTPUT = 2;
    private static final int OUTPUT_GRAD = 3;
    private static final int INPUT_GRAD = 4;
    private static final int WEIGHT_GRAD = 5;
    private static final int WORK = 6;
    private static final int BIAS = 7;
    private static final int BIAS_GRAD = 8;
    private static final int RAW = 9;

    private final transient ShuffledInput shuffled;

    public GroupAdaptivePointwiseConvLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        shuffled = new ShuffledInput(((GroupAdaptivePointwiseConv) conf.getLayer()).getInputShuffles());
    }

    @Override
    protected INDArray forward(INDArray input, boolean training, LayerWorkspaceMgr mgr) {
        GroupAdaptivePointwiseConv c = layerConf();
        long[] s = KernelBridge.nchw(input, c.getLayerName());
        int n = (int) s[0], hw = (int) (s[2] * s[3]);
        int cin = c.getNIn(), cout = c.getNOut(), groups = c.getGroups();
        KernelBridge.requireChannels(s, cin, c.getLayerName());
        PointwiseGroupedF32 k = KernelBridge.fastFor(FAST, input);
        if (k == null) {
            double[] y = new double[n * cout * hw];
            GroupedPointwiseKernel.forward(shuffled.read(input), param(GroupAdaptivePointwiseConvParams.WEIGHT), y,
                    n, cin, cout, groups, hw);
            if (c.isBias()) {
                ChannelBias.add(y, param(BlockParams.BIAS), n, cout, hw);
            }
            for (int i = 0; i < y.length; i++) {
                y[i] = c.getActivation().apply(y[i]);
            }
            return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, input.dataType(), y, n, cout, s[2], s[3]);
        }
        float[] y = scratch.pass(OUTPUT, (long) n * cout * hw);
        float[] bias = c.isBias() ? param(BlockParams.BIAS, BIAS) : null;
        k.forward(shuffled.read(input, scratch, RAW, scratch.pass(INPUT, input.length())),
                param(GroupAdaptivePointwiseConvParams.WEIGHT, WEIGHT), bias, c.getActivation(), y,
                scratch.pass(WORK, k.scratchFloats(n, cin, cout, groups, hw)), n, cin, cout, groups, hw);
        return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, y, n, cout, s[2], s[3]);
    }

    @Override
    protected INDArray backward(INDArray input, INDArray epsilon, LayerWorkspaceMgr mgr) {
        GroupAdaptivePointwiseConv c = layerConf();
        if (c.getActivation() != FusedActivation.NONE) {
            throw new UnsupportedOperationException("layer '" + c.getLayerName() + "' is a pointwise conv folded for"
                    + " inference (its batch norm and activation folded in): train the network as built, not the output"
                    + " of InferenceFolding");
        }
        long[] s = input.shape();
        int n = (int) s[0], hw = (int) (s[2] * s[3]);
        int cin = c.getNIn(), cout = c.getNOut(), groups = c.getGroups();
        PointwiseGroupedF32 k = KernelBridge.fastFor(FAST, input);
        if (k == null) {
            double[] dx = new double[n * cin * hw];
            double[] dw = new double[(int) c.weightCount()];
            double[] dy = KernelBridge.read(epsilon);
            GroupedPointwiseKernel.backward(shuffled.read(input), param(GroupAdaptivePointwiseConvParams.WEIGHT),
                    dy, dx, dw, n, cin, cout, groups, hw);
            setGradient(GroupAdaptivePointwiseConvParams.WEIGHT, dw);
            if (c.isBias()) {
                setGradient(BlockParams.BIAS, ChannelBias.gradient(dy, n, cout, hw));
            }
            return KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, input.dataType(), shuffled.gradient(dx, s), s);
        }
        float[] dx = scratch.pass(INPUT_GRAD, input.length());
        float[] dw = scratch.get(WEIGHT_GRAD, c.weightCount());
        float[] dy = KernelBridge.read(epsilon, scratch.pass(OUTPUT_GRAD, epsilon.length()));
        k.backward(shuffled.read(input, scratch, RAW, scratch.pass(INPUT, input.length())),
                param(GroupAdaptivePointwiseConvParams.WEIGHT, WEIGHT), dy, dx, dw,
                scratch.pass(WORK, k.scratchFloats(n, cin, cout, groups, hw)), n, cin, cout, groups, hw);
        setGradient(GroupAdaptivePointwiseConvParams.WEIGHT, dw);
        if (c.isBias()) {
            setGradient(BlockParams.BIAS, ChannelBias.gradient(dy, scratch.get(BIAS_GRAD, cout), n, cout, hw));
        }
        return KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, shuffled.gradient(dx, scratch, RAW, s), s);
    }
}
