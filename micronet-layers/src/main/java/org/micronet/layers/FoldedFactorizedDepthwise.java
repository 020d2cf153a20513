package org.micronet.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.micronet.kernels.FactorizedDepthwiseKernel;
import org.micronet.kernels.FusedActivation;
import org.micronet.layers.params.FoldedFactorizedDepthwiseParams;
import org.micronet.layers.runtime.FoldedFactorizedDepthwiseLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Objects;

/**
 * Micro-Factorized depthwise convolution as {@code InferenceFolding} leaves it: the k x 1 conv
 * and the 1 x k depthwise conv of a pair ({@link AxialConv}s), each with its batch norm folded
 * into a bias, and the activation that alone reads them, computed as one layer
 * ({@link FactorizedDepthwiseKernel}). Inference only: it has no backward pass.
 */
public class FoldedFactorizedDepthwise extends ConvParamLayer {
    private int nIn;
    private int mid;
    private int nOut;
    private int groups;
    private int kernel;
    private int stride;
    private FusedActivation activation = FusedActivation.NONE;

    public FoldedFactorizedDepthwise() {
    }

    /** The pair {@code first} (k x 1) then {@code second} (1 x k, depthwise), then {@code activation}; named {@code name}. */
    public FoldedFactorizedDepthwise(String name, AxialConv first, AxialConv second, FusedActivation activation) {
        if (first.getAxis() != AxialConv.Axis.HEIGHT || second.getAxis() != AxialConv.Axis.WIDTH
                || second.getGroups() != second.getNIn() || first.getNOut() != second.getNIn()
                || first.getKernel() != second.getKernel() || first.getStride() != second.getStride()
                || second.getInputShuffles().length > 0) {
            throw new IllegalArgumentException("layers '" + first.getLayerName() + "' and '" + second.getLayerName()
                    + "' are not a Micro-Factorized depthwise pair: expected a k x 1 conv feeding a 1 x k depthwise conv"
                    + " of the same kernel and stride");
        }
        this.layerName = name;
        // DL4J initialises every layer of a graph and asks for its training settings: the first conv's
        activationFn = first.getActivationFn();
        weightInitFn = first.getWeightInitFn();
        biasInit = first.getBiasInit();
        gainInit = first.getGainInit();
        regularization = first.getRegularization();
        regularizationBias = first.getRegularizationBias();
        iUpdater = first.getIUpdater();
        biasUpdater = first.getBiasUpdater();
        weightNoise = first.getWeightNoise();
        gradientNormalization = first.getGradientNormalization();
        gradientNormalizationThreshold = first.getGradientNormalizationThreshold();
        iDropout = first.getIDropout();
        constraints = first.getConstraints();
        nIn = first.getNIn();
        mid = first.getNOut();
        nOut = second.getNOut();
        groups = first.getGroups();
        kernel = first.getKernel();
        stride = first.getStride();
        this.activation = activation;
        setBias(true);
        setInputShuffles(first.getInputShuffles());
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int index, INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        return LayerWiring.wire(new FoldedFactorizedDepthwiseLayer(conf, dataType), this, conf, listeners, index,
                paramsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return FoldedFactorizedDepthwiseParams.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional in = convolutional(inputType, layerName);
        requireChannels(in, nIn, layerName);
        FactorizedDepthwiseKernel.Geometry g = geometry(1, (int) in.getHeight(), (int) in.getWidth());
        return InputType.convolutional(g.outHeight(), g.outWidth(), nOut);
    }

    public FactorizedDepthwiseKernel.Geometry geometry(int n, int height, int width) {
        return new FactorizedDepthwiseKernel.Geometry(n, nIn, mid, nOut, groups, height, width, kernel, stride, activation);
    }

    public int getNIn() {
        return nIn;
    }

    public void setNIn(int nIn) {
        this.nIn = nIn;
    }

    /** Channels between the two convs. */
    public int getMid() {
        return mid;
    }

    public void setMid(int mid) {
        this.mid = mid;
    }

    @Override
    public int getNOut() {
        return nOut;
    }

    public void setNOut(int nOut) {
        this.nOut = nOut;
    }

    /** Channel groups of the k x 1 conv. */
    public int getGroups() {
        return groups;
    }

    public void setGroups(int groups) {
        this.groups = groups;
    }

    public int getKernel() {
        return kernel;
    }

    public void setKernel(int kernel) {
        this.kernel = kernel;
    }

    public int getStride() {
        return stride;
    }

    public void setStride(int stride) {
        this.stride = stride;
    }

    public FusedActivation getActivation() {
        return activation;
    }

    public void setActivation(FusedActivation activation) {
        this.activation = activation;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FoldedFactorizedDepthwise other && super.equals(o) && nIn == other.nIn && mid == other.mid
                && nOut == other.nOut && groups == other.groups && kernel == other.kernel && stride == other.stride
                && activation == other.activation;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), nIn, mid, nOut, groups, kernel, stride, activation);
    }
}
