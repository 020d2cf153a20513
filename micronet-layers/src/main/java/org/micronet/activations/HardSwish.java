package org.micronet.activations;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** MobileNetV3's hard swish x * relu6(x + 3) / 6. */
public class HardSwish extends BaseActivationFunction {

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        INDArray gate = Transforms.min(Transforms.max(in.add(3.0), 0.0, false), 6.0, false).divi(6.0);
        return in.muli(gate);
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        // 0 below -3, 1 above 3, (2x + 3) / 6 between
        INDArray inside = in.gt(-3.0).castTo(in.dataType()).muli(in.lt(3.0).castTo(in.dataType()));
        INDArray above = in.gte(3.0).castTo(in.dataType());
        INDArray slope = in.mul(2.0).addi(3.0).divi(6.0).muli(inside).addi(above);
        return new Pair<>(in.assign(slope.muli(epsilon)), null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HardSwish;
    }

    @Override
    public int hashCode() {
        return HardSwish.class.hashCode();
    }

    @Override
    public String toString() {
        return "hardswish";
    }
}
