package org.micronet.activations;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * MobileNetV3's hard sigmoid relu6(x + 3) / 6. DL4J's {@code Activation.HARDSIGMOID} is a
 * different function (0.2x + 0.5 clipped).
 */
public class HardSigmoid extends BaseActivationFunction {

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        INDArray clipped = Transforms.min(Transforms.max(in.addi(3.0), 0.0, false), 6.0, false);
        return in.assign(clipped.divi(6.0));
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        INDArray slope = in.gt(-3.0).castTo(in.dataType()).muli(in.lt(3.0).castTo(in.dataType())).divi(6.0);
        return new Pair<>(in.assign(slope.muli(epsilon)), null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HardSigmoid;
    }

    @Override
    public int hashCode() {
        return HardSigmoid.class.hashCode();
    }

    @Override
    public String toString() {
        return "hardsigmoid6";
    }
}
