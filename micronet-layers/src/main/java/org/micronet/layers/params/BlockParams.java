package org.micronet.layers.params;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.micronet.layers.ConvParamLayer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A parameter initializer for layers whose parameters are a list of named c-order blocks laid
 * one after another in the layer's flat parameter view.
 */
public abstract class BlockParams implements ParamInitializer {
    /** The per-output-channel bias of a convolution that has one ({@link ConvParamLayer#isBias}). */
    public static final String BIAS = "b";

    /** One named parameter: its shape, whether weight decay applies, and how it starts. */
    protected record Block(String key, long[] shape, boolean weight) {
        long length() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    protected abstract List<Block> blocks(Layer layer);

    /** A convolution's blocks: its weight, then its bias if it has one. */
    protected static List<Block> convBlocks(ConvParamLayer conv, String weightKey, long[] weightShape) {
        Block weight = new Block(weightKey, weightShape, true);
        return conv.isBias() ? List.of(weight, new Block(BIAS, new long[]{conv.getNOut()}, false)) : List.of(weight);
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        long n = 0;
        for (Block b : blocks(layer)) {
            n += b.length();
        }
        return n;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        List<String> keys = new ArrayList<>();
        for (Block b : blocks(layer)) {
            keys.add(b.key());
        }
        return keys;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        List<String> keys = new ArrayList<>();
        for (Block b : blocks(layer)) {
            if (b.weight()) {
                keys.add(b.key());
            }
        }
        return keys;
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        List<String> keys = new ArrayList<>();
        for (Block b : blocks(layer)) {
            if (!b.weight()) {
                keys.add(b.key());
            }
        }
        return keys;
    }

    /** What DL4J's regularization takes a parameter for. */
    private enum Role { WEIGHT, BIAS, NEITHER }

    // DL4J asks for every parameter at every training step; the answer depends on the key alone,
    // so it is worked out once per key rather than on every call
    private final Map<String, Role> roles = new ConcurrentHashMap<>();

    private Role role(Layer layer, String key) {
        Role r = roles.get(key);
        if (r == null) {
            r = weightKeys(layer).contains(key) ? Role.WEIGHT : biasKeys(layer).contains(key) ? Role.BIAS : Role.NEITHER;
            roles.put(key, r);
        }
        return r;
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return role(layer, key) == Role.WEIGHT;
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return role(layer, key) == Role.BIAS;
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initialize) {
        BaseLayer layer = (BaseLayer) conf.getLayer();
        Map<String, INDArray> views = views(layer, paramsView);
        if (initialize) {
            for (Block b : blocks(layer)) {
                INDArray v = views.get(b.key());
                if (b.weight()) {
                    long fanIn = b.shape().length > 1 ? b.shape()[b.shape().length - 1] : b.length();
                    long fanOut = b.shape()[0];
                    layer.getWeightInitFn().init(fanIn, fanOut, b.shape(), 'c', v);
                } else {
                    v.assign(layer.getBiasInit());
                }
            }
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views(conf.getLayer(), gradientView);
    }

    private Map<String, INDArray> views(Layer layer, INDArray flat) {
        INDArray vector = flat.reshape(flat.length());
        Map<String, INDArray> out = new LinkedHashMap<>();
        long offset = 0;
        for (Block b : blocks(layer)) {
            long len = b.length();
            out.put(b.key(), vector.get(NDArrayIndex.interval(offset, offset + len)).reshape('c', b.shape()));
            offset += len;
        }
        return Collections.unmodifiableMap(out);
    }
}
