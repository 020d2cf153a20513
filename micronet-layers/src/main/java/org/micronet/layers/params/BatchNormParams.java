package org.micronet.layers.params;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.micronet.layers.BatchNorm;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * Four vectors of shape [C], as PyTorch's BatchNorm2d/1d holds them: "gamma" (weight, starts at 1),
 * "beta" (bias, starts at 0), and the running statistics "mean" (starts at 0) and "var" (the
 * variance itself, starts at 1). The running statistics are state that DL4J must keep with the
 * parameters (so they are saved, restored and averaged by Spark); {@link BatchNorm} keeps the
 * updater and regularisation off them.
 */
public final class BatchNormParams extends BlockParams {
    public static final String GAMMA = "gamma";
    public static final String BETA = "beta";
    public static final String MEAN = "mean";
    public static final String VAR = "var";
    public static final BatchNormParams INSTANCE = new BatchNormParams();

    private BatchNormParams() {
    }

    public static boolean isRunningStatistic(String key) {
        return MEAN.equals(key) || VAR.equals(key);
    }

    @Override
    protected List<Block> blocks(Layer layer) {
        long[] shape = {((BatchNorm) layer).getChannels()};
        // gamma counts as a weight and beta as a bias, so the network's L2 reaches both as
        // PyTorch's weight_decay does; the running statistics are neither, which is what keeps
        // DL4J's regularisation (chosen per weight and per bias key) off them
        return List.of(new Block(GAMMA, shape, true), new Block(BETA, shape, false),
                new Block(MEAN, shape, false), new Block(VAR, shape, false));
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return List.of(BETA);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initialize) {
        Map<String, INDArray> views = super.init(conf, paramsView, false);
        if (initialize) {
            views.get(GAMMA).assign(1.0);
            views.get(BETA).assign(0.0);
            views.get(MEAN).assign(0.0);
            views.get(VAR).assign(1.0);
        }
        return views;
    }
}
