package org.micronet.models;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.layers.BatchNorm;
import org.micronet.layers.ConvParamLayer;
import org.micronet.layers.params.BatchNormParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Inference graphs with each of our batch norms folded into the convolution (ours, or DL4J's
 * ConvolutionLayer) or linear layer that feeds it: at inference batch norm is the affine map {@code y = s (x - mean) + beta} per channel,
 * {@code s = gamma / sqrt(var + eps)}, so the layer's weights for output channel o are scaled by
 * {@code s[o]} and its bias becomes {@code s[o] (b[o] - mean[o]) + beta[o]}. The folded graph
 * computes the trained one's inference output (up to float rounding) with one layer, one pass
 * over the activations and one array fewer per batch norm.
 *
 * <p>Only for inference: training the folded graph would train a network without batch norm.
 * The unfused graph stays what training, the reference traces and the PyTorch mirror check.
 * A batch norm is folded only when its input is the layer's sole consumer, so nothing else
 * sees the unnormalised values.
 */
public final class BatchNormFolding {
    private BatchNormFolding() {
    }

    /** A new graph; {@code trained} is left as it is. Returns a copy even when nothing folds. */
    public static ComputationGraph fold(ComputationGraph trained) {
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(trained.getConfiguration().toJson());
        Map<String, String> folds = folds(conf);
        for (Map.Entry<String, String> f : folds.entrySet()) {
            String layer = f.getKey();
            String norm = f.getValue();
            org.deeplearning4j.nn.conf.layers.Layer c = layerOf(conf.getVertices().get(layer));
            if (c instanceof ConvParamLayer conv) {
                conv.setBias(true);
            } else if (c instanceof DenseLayer dense) {
                dense.setHasBias(true);
            } else {
                ((ConvolutionLayer) c).setHasBias(true);
            }
            conf.getVertices().remove(norm);
            conf.getVertexInputs().remove(norm);
            conf.getVertexInputs().replaceAll((v, inputs) -> renamed(inputs, norm, layer));
            conf.setNetworkOutputs(renamed(conf.getNetworkOutputs(), norm, layer));
        }
        // the order DL4J cached for the trained graph names vertices that are gone
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        ComputationGraph folded = new ComputationGraph(conf);
        folded.init();
        for (Layer l : folded.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            if (folds.containsKey(name)) {
                fold(trained.getLayer(name), trained.getLayer(folds.get(name)), l);
            } else {
                trained.getLayer(name).paramTable().forEach(l::setParam);
            }
        }
        return folded;
    }

    /** Layer vertex -> the batch norm vertex to fold into it. */
    private static Map<String, String> folds(ComputationGraphConfiguration conf) {
        Map<String, String> folds = new LinkedHashMap<>();
        conf.getVertices().forEach((name, vertex) -> {
            List<String> inputs = conf.getVertexInputs().get(name);
            if (!(layerOf(vertex) instanceof BatchNorm) || ((LayerVertex) vertex).getPreProcessor() != null
                    || inputs.size() != 1) {
                return;
            }
            String source = inputs.get(0);
            org.deeplearning4j.nn.conf.layers.Layer c = layerOf(conf.getVertices().get(source));
            // DL4J's depthwise conv extends its ConvolutionLayer with another weight layout
            boolean foldable = c instanceof ConvParamLayer || c instanceof DenseLayer
                    || c != null && c.getClass() == ConvolutionLayer.class;
            if (foldable && consumers(conf, source) == 1 && !conf.getNetworkOutputs().contains(source)) {
                folds.put(source, name);
            }
        });
        return folds;
    }

    private static List<String> renamed(List<String> names, String from, String to) {
        List<String> out = new ArrayList<>(names);
        out.replaceAll(n -> n.equals(from) ? to : n);
        return out;
    }

    private static long consumers(ComputationGraphConfiguration conf, String vertex) {
        return conf.getVertexInputs().values().stream().flatMap(List::stream).filter(vertex::equals).count();
    }

    private static org.deeplearning4j.nn.conf.layers.Layer layerOf(GraphVertex v) {
        return v instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
    }

    /**
     * Writes into {@code target} (the layer with a bias now) the trained layer's weights scaled
     * per output channel and the bias that takes the batch norm's shift; computed in double.
     */
    private static void fold(Layer trained, Layer norm, Layer target) {
        double eps = ((BatchNorm) norm.conf().getLayer()).getEps();
        double[] gamma = vector(norm, BatchNormParams.GAMMA);
        double[] beta = vector(norm, BatchNormParams.BETA);
        double[] mean = vector(norm, BatchNormParams.MEAN);
        double[] var = vector(norm, BatchNormParams.VAR);
        int channels = gamma.length;
        double[] scale = new double[channels];
        double[] bias = new double[channels];
        org.deeplearning4j.nn.conf.layers.Layer c = target.conf().getLayer();
        String weightKey = c.initializer().weightKeys(c).get(0);
        String biasKey = c.initializer().biasKeys(c).get(0);
        double[] oldBias = trained.paramTable().containsKey(biasKey) ? vector(trained, biasKey) : new double[channels];
        for (int o = 0; o < channels; o++) {
            scale[o] = gamma[o] / Math.sqrt(var[o] + eps);
            bias[o] = scale[o] * (oldBias[o] - mean[o]) + beta[o];
        }
        INDArray w = trained.getParam(weightKey).castTo(DataType.DOUBLE);
        // output channels: the first axis of conv weights, the second of DL4J's dense [nIn, nOut]
        INDArray s = Nd4j.createFromArray(scale);
        INDArray scaled = c instanceof DenseLayer ? w.mulRowVector(s) : w.reshape(channels, w.length() / channels).mulColumnVector(s)
                .reshape(w.shape());
        target.setParam(weightKey, scaled.castTo(target.getParam(weightKey).dataType()));
        INDArray b = target.getParam(biasKey);
        b.assign(Nd4j.createFromArray(bias).reshape(b.shape()).castTo(b.dataType()));
    }

    private static double[] vector(Layer layer, String key) {
        return layer.getParam(key).castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }
}
