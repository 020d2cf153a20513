package org.micronet.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/** The wiring every DL4J layer configuration does in {@code instantiate}. */
final class LayerWiring {
    private LayerWiring() {
    }

    static <T extends AbstractLayer<?>> T wire(T layer, Layer config, NeuralNetConfiguration conf,
                                               Collection<TrainingListener> listeners, int index,
                                               INDArray paramsView, boolean initializeParams) {
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(config.initializer().init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }
}
