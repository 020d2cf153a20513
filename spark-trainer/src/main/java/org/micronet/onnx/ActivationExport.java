package org.micronet.onnx;

import org.micronet.activations.HardSigmoid;
import org.micronet.activations.HardSwish;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;

import java.util.List;

import static org.micronet.onnx.OnnxGraph.attr;

/**
 * The activations our models use, as ONNX ops: ReLU6 as Clip(0, 6), MobileNetV3's hard sigmoid
 * relu6(x + 3) / 6 as HardSigmoid(alpha 1/6, beta 1/2), hard swish as x * that, softmax over
 * the class axis.
 */
final class ActivationExport {
    static final float HARD_SIGMOID_ALPHA = 1f / 6;
    static final float HARD_SIGMOID_BETA = 0.5f;

    private ActivationExport() {
    }

    /** Writes {@code fn(input)} to the tensor {@code output}. */
    static void add(OnnxGraph g, String vertex, String output, String input, IActivation fn) {
        if (fn instanceof ActivationIdentity) {
            g.node("Identity", output, List.of(input));
        } else if (fn instanceof ActivationReLU) {
            g.node("Relu", output, List.of(input));
        } else if (fn instanceof ActivationReLU6) {
            g.node("Clip", output, List.of(input, g.scalar(output + "/min", 0f), g.scalar(output + "/max", 6f)));
        } else if (fn instanceof HardSigmoid) {
            hardSigmoid(g, output, input);
        } else if (fn instanceof HardSwish) {
            g.node("Mul", output, List.of(input, hardSigmoid(g, output + "/hsigmoid", input)));
        } else if (fn instanceof ActivationSoftmax) {
            g.node("Softmax", output, List.of(input), attr("axis", 1L));
        } else {
            throw new UnsupportedLayerException(vertex, "activation " + fn);
        }
    }

    static String hardSigmoid(OnnxGraph g, String output, String input) {
        return g.node("HardSigmoid", output, List.of(input), attr("alpha", HARD_SIGMOID_ALPHA),
                attr("beta", HARD_SIGMOID_BETA));
    }
}
