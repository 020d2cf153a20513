package org.micronet.bench;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
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
        INDArray x = images(1, size);
        return Timing.measure(warmup, runs, () -> net.output(x));
    }

    Timing.Measurement trainStep(int batch, int size, int classes, int warmup, int runs) {
        DataSet data = new DataSet(images(batch, size), labels(batch, classes));
        return Timing.measure(warmup, runs, () -> net.fit(data));
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
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
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
            INDArray[] result = new INDArray[1];
            // the copy is timed alone and taken off, so rows show the layer's own time
            double copy = Timing.medianSeconds(1, runs, input::dup);
            double fwd = Timing.medianSeconds(1, runs, () -> {
                layer.setInput(input.dup(), mgr);
                result[0] = layer.activate(backward, mgr);
            }) - copy;
            double bwd = Double.NaN;
            if (backward) {
                INDArray eps = Nd4j.rand(result[0].dataType(), result[0].shape());
                bwd = Timing.medianSeconds(1, runs, () -> {
                    layer.setInput(input.dup(), mgr);
                    layer.activate(true, mgr);
                    layer.backpropGradient(eps.dup(), mgr);
                }) - fwd - copy - Timing.medianSeconds(1, runs, eps::dup);
            }
            boolean identity = !backward && lv.getLayerConf().getLayer() instanceof DropoutLayer;
            double bytes = identity ? Double.NaN : (double) (input.length() * input.dataType().width()
                    + result[0].length() * result[0].dataType().width());
            out.put(name, new LayerTime(fwd, bwd, bytes));
        }
        return out;
    }
}
