package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Runtime base of MicroNet's layers without parameters. */
public abstract class NoParamKernelLayer<C extends NoParamLayer> extends AbstractLayer<C> {
    /** Float arrays for the SIMD kernels, reused across calls. */
    protected final transient FloatScratch scratch = new FloatScratch();

    protected NoParamKernelLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    protected abstract INDArray forward(INDArray input, LayerWorkspaceMgr mgr);

    protected abstract INDArray backward(INDArray input, INDArray epsilon, LayerWorkspaceMgr mgr);

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        return forward(input, mgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        return new Pair<>(new DefaultGradient(), backward(input, epsilon, mgr));
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }
}
