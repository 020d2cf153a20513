package org.micronet.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.micronet.layers.runtime.GlobalAveragePoolingLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** {@link GlobalAveragePooling} against DL4J's global average pooling, which it must equal to the bit. */
class GlobalAveragePoolingTest {
    /** A 1x1 convolution (whose weight gradient carries the pooling's input gradient), the pooling, an MSE loss. */
    private static ComputationGraph net(Layer pooling, int channels, int height, int width) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(new NoOp()).weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(height, width, channels))
                .addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(channels).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("pool", pooling, "pre")
                .addLayer("loss", new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(), "pool")
                .setOutputs("loss")
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    @ParameterizedTest(name = "[{0}, {1}, {2}, {3}]")
    @CsvSource({"2, 3, 1, 1", "3, 5, 7, 7", "1, 8, 4, 6", "4, 16, 3, 5"})
    void outputsAndGradientsEqualDl4jsToTheBit(int n, int c, int h, int w) {
        ComputationGraph ours = net(new GlobalAveragePooling(), c, h, w);
        ComputationGraph dl4j = net(new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), c, h, w);
        assertInstanceOf(GlobalAveragePoolingLayer.class, ours.getLayer("pool"));
        Nd4j.getRandom().setSeed(n * 100 + c);
        INDArray x = Nd4j.randn(DataType.FLOAT, n, c, h, w);
        INDArray labels = Nd4j.randn(DataType.FLOAT, n, c);
        assertArrayEquals(values(dl4j.outputSingle(x)), values(ours.outputSingle(x)), "output");
        for (ComputationGraph net : new ComputationGraph[]{ours, dl4j}) {
            net.setInputs(x);
            net.setLabels(labels);
            net.computeGradientAndScore();
        }
        // the convolution's weight and bias gradients are built from the pooling's input gradient
        assertArrayEquals(values(dl4j.gradient().gradient()), values(ours.gradient().gradient()), "gradients");
    }

    @Test
    void isDl4jsBuilderDefaultsAndRoundTripsThroughJsonAsItself() {
        GlobalAveragePooling ours = new GlobalAveragePooling();
        GlobalPoolingLayer theirs = new GlobalPoolingLayer.Builder(PoolingType.AVG).build();
        assertEquals(theirs.getPoolingType(), ours.getPoolingType());
        assertEquals(theirs.isCollapseDimensions(), ours.isCollapseDimensions());
        assertEquals(theirs.getPnorm(), ours.getPnorm());
        assertArrayEquals(theirs.getPoolingDimensions(), ours.getPoolingDimensions());
        assertNotEquals(theirs, ours);
        assertNotEquals(ours, theirs);

        ComputationGraphConfiguration conf = net(ours, 4, 3, 3).getConfiguration();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        assertInstanceOf(GlobalAveragePooling.class, ((LayerVertex) back.getVertices().get("pool")).getLayerConf().getLayer());
    }

    private static float[] values(INDArray a) {
        return a.dup('c').data().asFloat();
    }
}
