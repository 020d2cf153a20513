package org.micronet.bench.kernels;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.blocks.Layers;
import org.micronet.kernels.GroupedConvKernel.Geometry;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.GroupedConvF32;
import org.micronet.models.Ops;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

import static org.micronet.bench.kernels.BenchData.gauss;

/**
 * The k x k depthwise conv of MobileNetV3-Small at 224: DL4J's DepthwiseConvolution2D layer in
 * FLOAT (the old path, "ref") against our DepthwiseConv layer in FLOAT (the SIMD kernel with
 * its copies, "f32") and the kernel alone, forward and backward, at batch 1 and 64. Run with
 * {@code --add-modules jdk.incubator.vector}; {@code -Dmicronet.kernels.threads=1} times one core.
 */
public final class DepthwiseConvBench {
    /** {k, stride, channels, input size}: the first block, the first 72-channel, 96-channel, 240 and 576 ones. */
    private static final int[][] SHAPES = {{3, 2, 16, 112}, {3, 2, 72, 56}, {5, 2, 96, 28}, {5, 1, 240, 14},
            {5, 1, 576, 7}};

    private DepthwiseConvBench() {
    }

    public static void main(String[] args) {
        GroupedConvF32 fast = KernelProvider.fast(GroupedConvF32.class, "GroupedConvF32Vec");
        KernelTimer.header("k x k depthwise conv: DL4J DepthwiseConvolution2D (ref) vs DepthwiseConv");
        for (int n : new int[]{1, 64}) {
            for (int[] s : SHAPES) {
                run(fast, n, s[0], s[1], s[2], s[3]);
            }
        }
    }

    private static void run(GroupedConvF32 fast, int n, int k, int stride, int c, int size) {
        Layer dl4j = floatLayer(Layers.depthwise(Ops.DL4J, k, k, stride, stride, c, 1), c, size);
        Layer ours = floatLayer(Layers.depthwise(Ops.MICRONET, k, k, stride, stride, c, 1), c, size);
        Geometry g = new Geometry(n, c, c, c, size, size, k, k, stride, stride);
        int xLen = n * c * size * size, yLen = n * c * g.outHeight() * g.outWidth();
        INDArray x = Nd4j.randn(DataType.FLOAT, n, c, size, size);
        INDArray dy = Nd4j.randn(DataType.FLOAT, n, c, g.outHeight(), g.outWidth());
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        dl4j.setInput(x, mgr);
        ours.setInput(x, mgr);

        Random rnd = new Random(1);
        float[] xf = gauss(rnd, xLen, 1), w = gauss(rnd, g.weightLength(), 1), dyf = gauss(rnd, yLen, 1);
        float[] y = new float[yLen], dx = new float[xLen], dw = new float[g.weightLength()];
        float[] scratch = new float[fast.scratchLength(g)];
        String shape = String.format("%d %dx%d s%d %dch %d->%d", n, k, k, stride, c, size, g.outHeight());
        KernelTimer.row(shape + " fwd", 4.0 * (xLen + yLen),
                () -> dl4j.activate(true, mgr), () -> ours.activate(true, mgr),
                () -> fast.forward(xf, w, y, g, scratch));
        KernelTimer.row(shape + " bwd", 4.0 * (2 * xLen + yLen),
                () -> dl4j.backpropGradient(dy.dup(), mgr), () -> ours.backpropGradient(dy.dup(), mgr),
                () -> fast.backward(xf, w, dyf, dx, dw, g, scratch));
    }

    /** The layer in a FLOAT graph of its own, ready for its own activate and backpropGradient calls. */
    private static Layer floatLayer(org.deeplearning4j.nn.conf.layers.Layer conf, int channels, int size) {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder()
                .seed(1).dataType(DataType.FLOAT).updater(new NoOp()).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(size, size, channels))
                .addLayer("dw", conf, "in")
                .addLayer("loss", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), "dw")
                .setOutputs("loss").build());
        net.init();
        net.initGradientsView();
        return net.getLayer("dw");
    }
}
