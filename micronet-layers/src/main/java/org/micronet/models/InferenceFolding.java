package org.micronet.models;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.kernels.FusedActivation;
import org.micronet.layers.AxialConv;
import org.micronet.layers.BatchNorm;
import org.micronet.layers.ChannelShuffle;
import org.micronet.layers.ConvParamLayer;
import org.micronet.layers.FoldedDense;
import org.micronet.layers.FoldedFactorizedDepthwise;
import org.micronet.layers.GroupAdaptivePointwiseConv;
import org.micronet.layers.params.BatchNormParams;
import org.micronet.layers.params.FoldedFactorizedDepthwiseParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.micronet.models.GraphEdits.consumerOf;
import static org.micronet.models.GraphEdits.layerOf;
import static org.micronet.models.GraphEdits.remove;
import static org.micronet.models.GraphEdits.reordered;
import static org.micronet.models.GraphEdits.soleConsumer;
import static org.micronet.models.GraphEdits.unprocessed;

/**
 * The inference graph of a trained network, with layers that only move or rescale data folded
 * into the convolutions next to them; each fold saves a layer, a pass over the activations and
 * an array.
 * <ul>
 *   <li><b>Batch norm</b> (ours) into the conv (ours, or DL4J's ConvolutionLayer) or linear layer
 *       that feeds it: at inference it is the per-channel map {@code y = s (x - mean) + beta},
 *       {@code s = gamma / sqrt(var + eps)}, so that layer's weights for output channel o are
 *       scaled by {@code s[o]} and its bias becomes {@code s[o] (b[o] - mean[o]) + beta[o]}. A
 *       group-adaptive pointwise conv also takes the activation fused into the batch norm.</li>
 *   <li><b>Channel shuffles</b> into the conv of ours that reads their output: the conv reads its
 *       input through them ({@link ConvParamLayer#getInputShuffles}), in the copy it makes anyway.</li>
 *   <li><b>Micro-Factorized depthwise pairs</b>: a k x 1 conv feeding a 1 x k depthwise conv, both
 *       with their batch norms folded, become one {@link FoldedFactorizedDepthwise} named
 *       {@code first+second}: one layer, whose intermediate is never an ND4J array, with the ReLU,
 *       ReLU6 or hard swish that alone reads the pair applied to its output (then named
 *       {@code first+second+activation}).</li>
 *   <li><b>Dense layers</b> become {@link FoldedDense}: the same layer, whose one-image pass reads
 *       its weight in place with our kernel.</li>
 * </ul>
 * A layer is folded only when the layer it folds into is its sole consumer (or, for batch norm,
 * its sole input's), so nothing else sees values that no longer exist. A batch norm that had an
 * activation fused into it for training ({@link BatchNormActivationFusion}) leaves that
 * activation to its pointwise conv, or else as a layer of its own, which a pair above may then
 * fold. The folded graph computes the trained one's inference output up to float rounding;
 * training it would train a network without batch norm. Training, the reference traces and the
 * PyTorch mirror keep the unfolded graph.
 */
public final class InferenceFolding {
    private InferenceFolding() {
    }

    /** A new graph; {@code trained} is left as it is. Returns a copy even when nothing folds. */
    public static ComputationGraph fold(ComputationGraph trained) {
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(trained.getConfiguration().toJson());
        Map<String, String> norms = batchNorms(conf);
        norms.forEach((layer, norm) -> {
            org.deeplearning4j.nn.conf.layers.Layer c = layerOf(conf.getVertices().get(layer));
            if (c instanceof ConvParamLayer conv) {
                conv.setBias(true);
            } else if (c instanceof DenseLayer dense) {
                dense.setHasBias(true);
            } else {
                ((ConvolutionLayer) c).setHasBias(true);
            }
            FusedActivation act = ((BatchNorm) layerOf(conf, norm)).getActivation();
            if (act == FusedActivation.NONE) {
                remove(conf, norm, layer);
            } else if (c instanceof GroupAdaptivePointwiseConv pointwise) {
                pointwise.setActivation(act);
                remove(conf, norm, layer);
            } else {
                // the activation the batch norm computed stands alone again, under the batch norm's name
                LayerVertex v = (LayerVertex) conf.getVertices().get(norm);
                v.getLayerConf().setLayer(new ActivationLayer.Builder()
                        .activation(BatchNormActivationFusion.activationOf(act)).name(norm).build());
            }
        });
        foldShuffles(conf);
        conf.getVertices().forEach((name, v) -> {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer().getClass() == DenseLayer.class) {
                lv.getLayerConf().setLayer(FoldedDense.of((DenseLayer) lv.getLayerConf().getLayer()));
            }
        });
        Map<String, List<String>> pairs = fusePairs(conf);
        reordered(conf);
        ComputationGraph folded = new ComputationGraph(conf);
        folded.init();
        for (Layer l : folded.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            if (l.numParams() == 0) {
                continue;
            }
            List<String> pair = pairs.get(name);
            if (pair != null) {
                foldPair(trained, norms, pair, l);
            } else if (norms.containsKey(name)) {
                Folded f = foldBatchNorm(trained.getLayer(name), trained.getLayer(norms.get(name)));
                org.deeplearning4j.nn.conf.layers.Layer c = l.conf().getLayer();
                set(l, c.initializer().weightKeys(c).get(0), f.weight());
                set(l, c.initializer().biasKeys(c).get(0), f.bias());
            } else {
                trained.getLayer(name).paramTable().forEach(l::setParam);
            }
        }
        return folded;
    }

    /** Layer vertex -> the batch norm vertex to fold into it. */
    private static Map<String, String> batchNorms(ComputationGraphConfiguration conf) {
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
            if (foldable && soleConsumer(conf, source)) {
                folds.put(source, name);
            }
        });
        return folds;
    }

    /** Every chain of shuffles that only one conv of ours reads, into that conv. */
    private static void foldShuffles(ComputationGraphConfiguration conf) {
        for (String name : new ArrayList<>(conf.getVertices().keySet())) {
            if (!(layerOf(conf.getVertices().get(name)) instanceof ConvParamLayer conv)) {
                continue;
            }
            List<Integer> groups = new ArrayList<>();
            for (int g : conv.getInputShuffles()) {
                groups.add(g);
            }
            String input = conf.getVertexInputs().get(name).get(0);
            while (layerOf(conf.getVertices().get(input)) instanceof ChannelShuffle shuffle
                    && ((LayerVertex) conf.getVertices().get(input)).getPreProcessor() == null
                    && soleConsumer(conf, input)) {
                groups.add(0, shuffle.getGroups());
                String before = conf.getVertexInputs().get(input).get(0);
                remove(conf, input, before);
                input = before;
            }
            conv.setInputShuffles(groups.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    /**
     * Every k x 1 conv whose sole consumer is a 1 x k depthwise conv (its batch norm already
     * removed), with that conv's sole consumer if it is a ReLU, ReLU6 or hard swish, into one
     * {@link FoldedFactorizedDepthwise}; returns the new vertices' names and the convs they fold.
     */
    private static Map<String, List<String>> fusePairs(ComputationGraphConfiguration conf) {
        Map<String, List<String>> pairs = new LinkedHashMap<>();
        for (String first : new ArrayList<>(conf.getVertices().keySet())) {
            if (!(layerOf(conf.getVertices().get(first)) instanceof AxialConv a) || a.getAxis() != AxialConv.Axis.HEIGHT
                    || !soleConsumer(conf, first)) {
                continue;
            }
            String second = consumerOf(conf, first);
            if (!(layerOf(conf, second) instanceof AxialConv b) || !unprocessed(conf, second)
                    || b.getAxis() != AxialConv.Axis.WIDTH || b.getGroups() != b.getNIn() || b.getKernel() != a.getKernel()
                    || b.getStride() != a.getStride() || b.getInputShuffles().length > 0 || !a.isBias() || !b.isBias()) {
                continue;
            }
            String activation = soleConsumer(conf, second) ? consumerOf(conf, second) : null;
            FusedActivation act = activation != null && unprocessed(conf, activation)
                    && layerOf(conf, activation) instanceof ActivationLayer layer
                    ? BatchNormActivationFusion.fusedOf(layer.getActivationFn()) : FusedActivation.NONE;
            String last = act == FusedActivation.NONE ? second : activation;
            String name = first + "+" + second + (last.equals(second) ? "" : "+" + last);
            LayerVertex firstVertex = (LayerVertex) conf.getVertices().get(first);
            NeuralNetConfiguration layerConf = firstVertex.getLayerConf().clone();
            layerConf.setLayer(new FoldedFactorizedDepthwise(name, a, b, act));
            conf.getVertices().put(name, new LayerVertex(layerConf, firstVertex.getPreProcessor()));
            conf.getVertexInputs().put(name, new ArrayList<>(conf.getVertexInputs().get(first)));
            for (String gone : last.equals(second) ? List.of(first, second) : List.of(first, second, last)) {
                remove(conf, gone, name);
            }
            pairs.put(name, List.of(first, second));
        }
        return pairs;
    }

    /** A layer's weight and bias with a batch norm folded in. */
    private record Folded(INDArray weight, INDArray bias) {
    }

    /** The pair's convs, each with its batch norm folded, into {@code target}'s four parameters. */
    private static void foldPair(ComputationGraph trained, Map<String, String> norms, List<String> pair, Layer target) {
        Folded first = foldBatchNorm(trained.getLayer(pair.get(0)), trained.getLayer(norms.get(pair.get(0))));
        Folded second = foldBatchNorm(trained.getLayer(pair.get(1)), trained.getLayer(norms.get(pair.get(1))));
        set(target, FoldedFactorizedDepthwiseParams.FIRST_WEIGHT, first.weight());
        set(target, FoldedFactorizedDepthwiseParams.FIRST_BIAS, first.bias());
        set(target, FoldedFactorizedDepthwiseParams.SECOND_WEIGHT, second.weight());
        set(target, FoldedFactorizedDepthwiseParams.SECOND_BIAS, second.bias());
    }

    private static void set(Layer target, String key, INDArray value) {
        INDArray p = target.getParam(key);
        p.assign(value.reshape(p.shape()).castTo(p.dataType()));
    }

    /**
     * The trained layer's weights scaled per output channel, and the bias that takes the batch
     * norm's shift; computed in double.
     */
    private static Folded foldBatchNorm(Layer trained, Layer norm) {
        double eps = ((BatchNorm) norm.conf().getLayer()).getEps();
        double[] gamma = vector(norm, BatchNormParams.GAMMA);
        double[] beta = vector(norm, BatchNormParams.BETA);
        double[] mean = vector(norm, BatchNormParams.MEAN);
        double[] var = vector(norm, BatchNormParams.VAR);
        org.deeplearning4j.nn.conf.layers.Layer c = trained.conf().getLayer();
        String weightKey = c.initializer().weightKeys(c).get(0);
        List<String> biasKeys = c.initializer().biasKeys(c);
        double[] oldBias = biasKeys.isEmpty() ? new double[gamma.length] : vector(trained, biasKeys.get(0));
        double[] scale = IntStream.range(0, gamma.length).mapToDouble(o -> gamma[o] / Math.sqrt(var[o] + eps)).toArray();
        double[] bias = IntStream.range(0, gamma.length).mapToDouble(o -> scale[o] * (oldBias[o] - mean[o]) + beta[o])
                .toArray();
        INDArray w = trained.getParam(weightKey).castTo(DataType.DOUBLE);
        // output channels: the first axis of conv weights, the second of DL4J's dense [nIn, nOut]
        INDArray s = Nd4j.createFromArray(scale);
        INDArray scaled = c instanceof DenseLayer ? w.mulRowVector(s)
                : w.reshape(scale.length, w.length() / scale.length).mulColumnVector(s).reshape(w.shape());
        return new Folded(scaled, Nd4j.createFromArray(bias));
    }

    private static double[] vector(Layer layer, String key) {
        return layer.getParam(key).castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }
}
