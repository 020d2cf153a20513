package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.layers.KernelBridge;
import org.micronet.layers.ParamLayer;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runtime base of MicroNet's parameterised layers: forward and backward are delegated to a
 * kernel so that a faster kernel can replace it without touching configs or models.
 */
public abstract class KernelLayer<C extends ParamLayer> extends BaseLayer<C> {
    /** Float arrays for the SIMD kernels, reused across calls. */
    protected final transient FloatScratch scratch = new FloatScratch();

    protected KernelLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    protected abstract INDArray forward(INDArray input, boolean training, LayerWorkspaceMgr mgr);

    /** Returns the gradient with respect to the input; writes parameter gradients with {@link #setGradient}. */
    protected abstract INDArray backward(INDArray input, INDArray epsilon, LayerWorkspaceMgr mgr);

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        return forward(input, training, mgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        INDArray epsOut = backward(input, epsilon, mgr);
        Gradient g = new DefaultGradient(gradientsFlattened);
        for (String key : gradientViews.keySet()) {
            g.gradientForVariable().put(key, gradientViews.get(key));
        }
        return new Pair<>(g, epsOut);
    }

    protected double[] param(String key) {
        return KernelBridge.read(getParam(key));
    }

    protected void setGradient(String key, double[] values) {
        KernelBridge.assign(gradientViews.get(key), values);
    }

    /** Parameter {@code key} copied into scratch slot {@code slot}. */
    protected float[] param(String key, int slot) {
        INDArray p = getParam(key);
        return KernelBridge.read(p, scratch.get(slot, p.length()));
    }

    /** Writes the first values of {@code values} as the gradient of parameter {@code key}. */
    protected void setGradient(String key, float[] values) {
        KernelBridge.assign(gradientViews.get(key), values);
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }

    @Override
    public boolean hasBias() {
        return false;
    }
}
