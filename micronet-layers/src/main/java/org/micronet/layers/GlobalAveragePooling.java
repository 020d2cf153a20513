package org.micronet.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.micronet.layers.runtime.GlobalAveragePoolingLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * DL4J's global average pooling (over height and width, collapsed to [n, c]), run by
 * {@link GlobalAveragePoolingLayer}. A subclass, so that what reads the graph (ONNX export, the
 * PyTorch mirror, complexity counts) reads it as DL4J's.
 */
public class GlobalAveragePooling extends GlobalPoolingLayer {
    public GlobalAveragePooling() {
        super(PoolingType.AVG);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int index, INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        return LayerWiring.wire(new GlobalAveragePoolingLayer(conf, dataType), this, conf, listeners, index, paramsView,
                initializeParams);
    }

    /** Equal to another GlobalAveragePooling of the same settings only, so that DL4J's class and this one never pass for each other. */
    @Override
    public boolean equals(Object o) {
        return o instanceof GlobalAveragePooling && super.equals(o);
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof GlobalAveragePooling;
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }
}
