package org.micronet.bench.torch;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.micronet.models.ModelConfig;
import org.micronet.models.Models;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The mirror's gradients do not depend on the garbage collector. DJL's arithmetic with a Number
 * (x.mul(2), x.maximum(0), ...) wraps it in a tensor over a Java direct buffer and frees that at
 * once, while autograd keeps the tensor for the backward pass: a GC between forward and backward
 * then gave wrong or NaN gradients. Here one gradient is computed plainly and once with a full GC
 * (and time for the cleaner to free buffers) between forward and backward; they must be equal.
 */
class GradientsSurviveGcTest {
    @Test
    void gradientsAreTheSameWithAGcBetweenForwardAndBackward() throws InterruptedException {
        ModelConfig base = Models.bundled("m0");
        ModelConfig cfg = new ModelConfig(base.name(), base.description(), base.architecture(), 32, 10, base.stem(),
                new ModelConfig.Head(base.head().width(), 0.0), base.shiftMax(), base.ablation(), base.ops(),
                base.blocks(), base.mobilenet(), null, base.paper());
        ComputationGraph net = Models.create(cfg, Models.defaults(3));
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 3, 32, 32);
        INDArray y = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 10);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, 3 * i % 10, 1f);
        }
        try (TorchMicroNet torch = TorchMicroNet.mirror(net, DataType.FLOAT32)) {
            torch.learnable().values().forEach(p -> p.setRequiresGradient(true));
            List<float[]> plain = gradients(torch, x, y, false);
            List<float[]> collected = gradients(torch, x, y, true);
            for (int i = 0; i < plain.size(); i++) {
                assertArrayEquals(plain.get(i), collected.get(i), "gradient " + i);
            }
        }
    }

    private static List<float[]> gradients(TorchMicroNet torch, INDArray x, INDArray y, boolean gc)
            throws InterruptedException {
        List<float[]> out = new ArrayList<>();
        try (NDScope scope = new NDScope()) {
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = torch.loss(torch.forward(torch.toTorch(x), true, null), torch.toTorch(y));
                if (gc) {
                    for (int i = 0; i < 3; i++) {
                        System.gc();
                        Thread.sleep(100);
                    }
                }
                collector.backward(loss);
            }
            for (Map.Entry<String, NDArray> p : torch.learnable().entrySet()) {
                NDArray g = p.getValue().getGradient();
                out.add(g.toFloatArray());
                g.subi(g);
            }
        }
        return out;
    }
}
