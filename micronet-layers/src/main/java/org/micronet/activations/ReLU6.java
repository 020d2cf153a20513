package org.micronet.activations;

import org.micronet.kernels.FusedActivation;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ND4J's ReLU6 for the activation layers no batch norm could take (the stem's, after its channel
 * shuffle, and the head's), on the SIMD kernels for FLOAT arrays ({@link FloatActivation}).
 * ND4J's op made a scalar buffer outside any workspace on every forward call; its ops stay the
 * path, and the reference, for other types. A subclass, so that what reads activations (ONNX
 * export, the PyTorch mirror, batch-norm fusion) reads it as ND4J's.
 */
public class ReLU6 extends ActivationReLU6 {
    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        return FloatActivation.forward(FusedActivation.RELU6, in) ? in : super.getActivation(in, training);
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        return FloatActivation.backward(FusedActivation.RELU6, in, epsilon) ? new Pair<>(in, null) : super.backprop(in, epsilon);
    }

    /** Equal to another ReLU6 of ours only, so that ND4J's class and this one never pass for each other. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ReLU6;
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof ReLU6;
    }

    @Override
    public int hashCode() {
        return ReLU6.class.hashCode();
    }
}
