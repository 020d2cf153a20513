package org.micronet.layers;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;

/**
 * Base of MicroNet's layer configurations that carry parameters. Channel counts are explicit
 * in each config (the model builder knows them), so DL4J's input-type inference only checks them.
 */
public abstract class ParamLayer extends BaseLayer {

    protected ParamLayer() {
    }

    protected ParamLayer(BaseLayer.Builder<?> builder) {
        super(builder);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        getOutputType(-1, inputType);
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return new LayerMemoryReport.Builder(layerName, getClass(), inputType, getOutputType(-1, inputType))
                .standardMemory(initializer().numParams(this), 0)
                .workingMemory(0, 0, 0, 0)
                .cacheMemory(0, 0)
                .build();
    }

    static InputType.InputTypeConvolutional convolutional(InputType inputType, String layerName) {
        if (!(inputType instanceof InputType.InputTypeConvolutional)) {
            throw new IllegalArgumentException("Layer '" + layerName + "' expects convolutional (NCHW) input, got " + inputType);
        }
        return (InputType.InputTypeConvolutional) inputType;
    }

    static void requireChannels(InputType.InputTypeConvolutional in, long expected, String layerName) {
        if (in.getChannels() != expected) {
            throw new IllegalArgumentException("Layer '" + layerName + "' is configured for " + expected
                    + " input channels but receives " + in.getChannels() + " (" + in + ")");
        }
    }
}
