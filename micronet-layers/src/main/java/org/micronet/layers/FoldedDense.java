package org.micronet.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.micronet.layers.runtime.FoldedDenseLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;

/**
 * DL4J's dense layer as inference runs it: the same configuration, parameters and results (it is
 * a {@link DenseLayer}, so export, complexity counting and batch-norm folding treat it as one),
 * but one image in FLOAT runs our batch-1 kernel ({@code LinearF32}) on the weights in place,
 * where ND4J's mmul took three times as long on the classifier heads. {@code InferenceFolding}
 * puts it in place of every dense layer.
 */
public class FoldedDense extends DenseLayer {

    public FoldedDense() {
    }

    /** {@code dense}'s configuration, every field of it, as a FoldedDense. */
    public static FoldedDense of(DenseLayer dense) {
        FoldedDense folded = new FoldedDense();
        // DL4J's builders offer no copy, and its configurations grow fields between versions
        for (Class<?> c = DenseLayer.class; c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                f.setAccessible(true);
                try {
                    f.set(folded, f.get(dense));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("cannot copy " + c.getName() + "." + f.getName(), e);
                }
            }
        }
        return folded;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int index,
                             INDArray paramsView, boolean initializeParams, DataType dataType) {
        return LayerWiring.wire(new FoldedDenseLayer(conf, dataType), this, conf, listeners, index, paramsView,
                initializeParams);
    }
}
