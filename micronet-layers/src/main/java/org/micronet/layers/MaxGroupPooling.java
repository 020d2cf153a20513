package org.micronet.layers;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.micronet.layers.runtime.MaxGroupPoolingLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Objects;

/** Max group pooling: the maximum over each run of {@code size} consecutive channels. */
public class MaxGroupPooling extends NoParamLayer {
    private int size;

    public MaxGroupPooling() {
    }

    public MaxGroupPooling(String name, int size) {
        this.layerName = name;
        this.size = size;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int index, INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        return LayerWiring.wire(new MaxGroupPoolingLayer(conf, dataType), this, conf, listeners, index, paramsView,
                initializeParams);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional in = ParamLayer.convolutional(inputType, layerName);
        if (size < 1 || in.getChannels() % size != 0) {
            throw new IllegalArgumentException("Layer '" + layerName + "': group size " + size
                    + " must divide the channel count " + in.getChannels());
        }
        return InputType.convolutional(in.getHeight(), in.getWidth(), in.getChannels() / size);
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return new LayerMemoryReport.Builder(layerName, getClass(), inputType, getOutputType(-1, inputType))
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    public int getSize() {
        return size;
    }

    public void setSize(int size) {
        this.size = size;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaxGroupPooling && super.equals(o) && size == ((MaxGroupPooling) o).size;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), size);
    }
}
