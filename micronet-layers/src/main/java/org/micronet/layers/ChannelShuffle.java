package org.micronet.layers;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.micronet.layers.runtime.ChannelShuffleLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Objects;

/** Channel shuffle(g): view the C channels as (g, C/g), transpose to (C/g, g), flatten. */
public class ChannelShuffle extends NoParamLayer {
    private int groups;

    public ChannelShuffle() {
    }

    public ChannelShuffle(String name, int groups) {
        this.layerName = name;
        this.groups = groups;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int index, INDArray paramsView, boolean initializeParams,
                                                       DataType dataType) {
        return LayerWiring.wire(new ChannelShuffleLayer(conf, dataType), this, conf, listeners, index, paramsView,
                initializeParams);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional in = ParamLayer.convolutional(inputType, layerName);
        if (groups < 1 || in.getChannels() % groups != 0) {
            throw new IllegalArgumentException("Layer '" + layerName + "': shuffle groups " + groups
                    + " must divide the channel count " + in.getChannels());
        }
        return inputType;
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return new LayerMemoryReport.Builder(layerName, getClass(), inputType, inputType)
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    public int getGroups() {
        return groups;
    }

    public void setGroups(int groups) {
        this.groups = groups;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelShuffle && super.equals(o) && groups == ((ChannelShuffle) o).groups;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), groups);
    }
}
