package org.micronet.bench;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.util.ArrayUtil;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

/** Times a DL4J MicroNet: batch-1 inference, training steps, and each layer alone. */
final class Dl4jRunner {
    private final ComputationGraph net;

    Dl4jRunner(ComputationGraph net) {
        this.net = net;
    }

    static INDArray images(int batch, int size) {
        Nd4j.getRandom().setSeed(batch * 31L + size);
        return Nd4j.rand(DataType.FLOAT, batch, 3, size, size).subi(0.5);
    }

    static INDArray labels(int batch, int classes) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, classes);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, (i * 7) % classes, 1.0);
        }
        return y;
    }

    Timing.Measurement inference(int size, int warmup, int runs) {
        return Timing.measure(warmup, runs, inferencePass(size));
    }

    /** One batch-1 pass on the same image each call. */
    Runnable inferencePass(int size) {
        INDArray x = images(1, size);
        return () -> net.output(x);
    }

    Timing.Measurement trainStep(int batch, int size, int classes, int warmup, int runs) {
        DataSet data = new DataSet(images(batch, size), labels(batch, classes));
        return Timing.measureTraining(warmup, runs, () -> net.fit(data));
    }

    /**
     * One layer's median times and the bytes its forward pass reads and writes: its input and its
     * output once each (a lower bound on its memory traffic; an in-place layer reads and writes one
     * buffer, which counts twice too), NaN for dropout outside training, which hands back its input.
     */
    record LayerTime(double forwardSeconds, double backwardSeconds, double forwardBytes) {
    }

    /** Per layer vertex: forward and backward seconds (backward NaN when not timed), median of runs. */
    Map<String, LayerTime> perLayer(int batch, int size, boolean backward, int runs) {
        // inference activations at batch 1: batch norm cannot take batch statistics of one value
        Map<String, INDArray> acts = net.feedForward(images(batch, size), backward);
        // each timed run in workspaces, as a layer runs inside the network: with detached arrays
        // (fresh native memory each run) the rows of M0's batch-1 forward summed to 20-30 ms
        // against 2-3 ms for the whole network, in workspaces to 3.2-3.9 ms. The workspaces grow
        // to the largest layer's need (spills reallocate), as DL4J configures its own.
        WorkspaceConfiguration ws = WorkspaceConfiguration.builder().policyAllocation(AllocationPolicy.OVERALLOCATE)
                .policyLearning(LearningPolicy.FIRST_LOOP).policySpill(SpillPolicy.REALLOCATE)
                .policyReset(ResetPolicy.BLOCK_LEFT).build();
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.builder().with(ArrayType.INPUT, "layer-activations", ws)
                .with(ArrayType.ACTIVATIONS, "layer-activations", ws)
                .with(ArrayType.ACTIVATION_GRAD, "layer-gradients", ws).defaultNoWorkspace().build();
        Map<String, LayerTime> out = new LinkedHashMap<>();
        for (int i : net.topologicalSortOrder()) {
            String name = net.getVertices()[i].getVertexName();
            if (!(net.getConfiguration().getVertices().get(name) instanceof LayerVertex lv)
                    || lv.getLayerConf().getLayer() instanceof LossLayer) {
                continue;
            }
            Layer layer = net.getLayer(name);
            // activation layers work in place: give every run its own copy of the input
            INDArray input = acts.get(net.getConfiguration().getVertexInputs().get(name).get(0)).dup();
            // the copy is timed alone and taken off, so rows show the layer's own time
            double copy = Timing.medianSeconds(1, runs, inWorkspaces(mgr, input::dup));
            long[][] outShape = new long[1][];
            double fwd = Timing.medianSeconds(1, runs, inWorkspaces(mgr, () -> {
                layer.setInput(input.dup(), mgr);
                outShape[0] = layer.activate(backward, mgr).shape();
            })) - copy;
            double bwd = Double.NaN;
            if (backward) {
                INDArray eps = Nd4j.rand(DataType.FLOAT, outShape[0]);
                bwd = Timing.medianSeconds(1, runs, inWorkspaces(mgr, () -> {
                    layer.setInput(input.dup(), mgr);
                    layer.activate(true, mgr);
                    layer.backpropGradient(eps.dup(), mgr);
                })) - fwd - copy - Timing.medianSeconds(1, runs, inWorkspaces(mgr, eps::dup));
            }
            boolean identity = !backward && lv.getLayerConf().getLayer() instanceof DropoutLayer;
            double bytes = identity ? Double.NaN : (double) (input.length() + ArrayUtil.prodLong(outShape[0])) * Float.BYTES;
            out.put(name, new LayerTime(fwd, bwd, bytes));
        }
        return out;
    }

    /** {@code action} with the activation and gradient workspaces open, so that its arrays go when it returns. */
    private static Runnable inWorkspaces(LayerWorkspaceMgr mgr, Runnable action) {
        return () -> {
            try (MemoryWorkspace a = mgr.notifyScopeEntered(ArrayType.ACTIVATIONS);
                 MemoryWorkspace g = mgr.notifyScopeEntered(ArrayType.ACTIVATION_GRAD)) {
                action.run();
            }
        };
    }
}
