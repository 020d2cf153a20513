package org.micronet.models;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.micronet.activations.HardSwish;
import org.micronet.kernels.ShiftMaxKernel;
import org.micronet.layers.AxialConv;
import org.micronet.layers.BatchNorm;
import org.micronet.layers.ChannelShuffle;
import org.micronet.layers.DynamicShiftMax;
import org.micronet.layers.GroupAdaptivePointwiseConv;
import org.micronet.models.Wiring.Step;
import org.nd4j.linalg.activations.impl.ActivationReLU6;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The wiring of our built graph. Its order is the data flow: the path walked back from the
 * output along each vertex's input (through a residual add, along its block's branch, after
 * checking that the add's other input is the block's input), not the order of declaration.
 * The Shift-Max shift index is measured on the layer's own kernel.
 */
final class GraphWiring {
    private GraphWiring() {
    }

    static List<Step> of(ComputationGraphConfiguration conf) {
        List<Step> steps = new ArrayList<>();
        for (String name : dataFlow(conf)) {
            Step s = step(name, conf.getVertices().get(name));
            if (s != null) {
                steps.add(s);
            }
        }
        return steps;
    }

    private static List<String> dataFlow(ComputationGraphConfiguration conf) {
        assertEquals(1, conf.getNetworkOutputs().size(), "outputs " + conf.getNetworkOutputs());
        List<String> path = new ArrayList<>();
        Map<String, String> addedBlockInputs = new LinkedHashMap<>();
        String v = conf.getNetworkOutputs().get(0);
        while (!conf.getNetworkInputs().contains(v)) {
            path.add(v);
            List<String> inputs = conf.getVertexInputs().get(v);
            if (inputs.size() == 1) {
                v = inputs.get(0);
                continue;
            }
            // features.N.add: one input ends the block's branch, the other is the block's input
            String block = block(v);
            List<String> branch = inputs.stream().filter(i -> i.startsWith(block)).toList();
            assertTrue(inputs.size() == 2 && branch.size() == 1, v + " must add one layer of " + block
                    + "* to the block's input; its inputs are " + inputs);
            addedBlockInputs.put(v, inputs.get(0).equals(branch.get(0)) ? inputs.get(1) : inputs.get(0));
            v = branch.get(0);
        }
        Collections.reverse(path);
        Set<String> off = new TreeSet<>(conf.getVertices().keySet());
        path.forEach(off::remove);
        assertTrue(off.isEmpty(), "vertices off the path from the input to the output: " + off);
        addedBlockInputs.forEach((add, other) -> {
            String block = block(add);
            int first = 0;
            while (!path.get(first).startsWith(block)) {
                first++;
            }
            String blockInput = first == 0 ? conf.getNetworkInputs().get(0) : path.get(first - 1);
            assertEquals(blockInput, other, add + " must add the block's input " + blockInput);
        });
        return path;
    }

    /** "features.3.add" -> "features.3." */
    private static String block(String vertex) {
        return vertex.substring(0, vertex.lastIndexOf('.') + 1);
    }

    /** The step for a vertex; null for the head's layers the traces fold into other rows. */
    private static Step step(String name, GraphVertex vertex) {
        if (vertex instanceof ElementWiseVertex e) {
            return e.getOp() == ElementWiseVertex.Op.Add ? Wiring.add(name) : Step.of(name, "element-wise " + e.getOp());
        }
        if (!(vertex instanceof LayerVertex lv)) {
            return Step.of(name, vertex.getClass().getSimpleName());
        }
        Layer layer = lv.getLayerConf().getLayer();
        if (layer instanceof AxialConv a) {
            boolean height = a.getAxis() == AxialConv.Axis.HEIGHT;
            return Wiring.conv(name, a.getNIn(), a.getNOut(), a.getGroups(),
                    height ? a.getKernel() + "x1" : "1x" + a.getKernel(), height ? a.getStride() + "x1" : "1x" + a.getStride());
        }
        if (layer instanceof GroupAdaptivePointwiseConv g) {
            return Wiring.conv(name, g.getNIn(), g.getNOut(), g.getGroups(), "1x1", "1x1");
        }
        if (layer instanceof BatchNorm b) {
            return Wiring.batchNorm(name, b.getChannels());
        }
        if (layer instanceof ChannelShuffle s) {
            return Wiring.shuffle(name, s.getGroups());
        }
        if (layer instanceof DynamicShiftMax d) {
            int c = d.getChannels(), g = d.getShiftGroups();
            return Wiring.shiftMax(name, c, d.getShifts(), d.getFusions(), g, c / g, shiftIndex(d), d.getSqueeze(),
                    d.getInitA(), d.getInitB());
        }
        if (layer instanceof DenseLayer d) {
            return Wiring.linear(name, (int) d.getNIn(), (int) d.getNOut());
        }
        if (layer instanceof ActivationLayer a && a.getActivationFn() instanceof ActivationReLU6) {
            return Wiring.relu6(name);
        }
        // the head's pooling, h-swish, dropout and softmax loss: parts of the trace's avgpool and SwishLinear rows
        if (layer instanceof GlobalPoolingLayer || layer instanceof DropoutLayer || layer instanceof LossLayer
                || layer instanceof ActivationLayer a && a.getActivationFn() instanceof HardSwish) {
            return null;
        }
        return Step.of(name, layer.getClass().getSimpleName());
    }

    /**
     * The channel the layer's first shifted copy reads at each channel, measured on its own
     * kernel: with zero hyper-function weights the output biases alone set the coefficients,
     * here 1 for the first shift and 0 for every other in every fusion, so y = x2; on an input
     * x[c] = c, y[c] is the index.
     */
    static int[] shiftIndex(DynamicShiftMax d) {
        assertTrue(d.isDynamic() && d.getShifts() >= 2, d.getLayerName() + ": the probe needs a dynamic J >= 2 layer");
        int c = d.getChannels(), s = d.getSqueeze(), q = d.coefficientCount();
        double[] offsets = d.offsets();
        double[] b2 = new double[q];
        for (int i = 0; i < q; i++) {
            int kj = i / c;
            double target = kj % d.getShifts() == 1 ? 1 : 0;
            // coefficient = (hsigmoid(z) - 0.5) * 2 * actMax + offset, with hsigmoid(z) = (z + 3) / 6 on [-3, 3]
            double h = (target - offsets[kj]) / (2 * d.getActMax()) + 0.5;
            assertTrue(h > 0 && h < 1, d.getLayerName() + ": offset " + offsets[kj] + " out of the probe's reach");
            b2[i] = 6 * h - 3;
        }
        double[] x = new double[c];
        for (int ch = 0; ch < c; ch++) {
            x[ch] = ch;
        }
        ShiftMaxKernel kernel = d.kernel();
        ShiftMaxKernel.State st = kernel.coefficients(x, 1, 1,
                new double[][]{new double[c * s], new double[s], new double[s * q], b2});
        double[] y = new double[c];
        kernel.fuse(x, st, y, 1, 1);
        int[] idx = new int[c];
        for (int ch = 0; ch < c; ch++) {
            idx[ch] = (int) Math.round(y[ch]);
        }
        return idx;
    }
}
