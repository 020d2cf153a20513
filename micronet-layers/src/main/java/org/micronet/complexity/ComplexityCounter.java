package org.micronet.complexity;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.micronet.layers.AxialConv;
import org.micronet.layers.BatchNorm;
import org.micronet.layers.DepthwiseConv;
import org.micronet.layers.DynamicShiftMax;
import org.micronet.layers.GroupAdaptivePointwiseConv;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Counts parameters and multiply-adds of a built graph, layer by layer, from the same DL4J
 * configuration the network runs: shapes come from DL4J's own type inference, so the count
 * cannot drift from the model. Trainable parameters only: batch norm's running mean and
 * variance are state, as in the reference's count.
 */
public final class ComplexityCounter {
    private ComplexityCounter() {
    }

    /** @param input the network's input type (the built configuration does not keep it) */
    public static ComplexityReport count(ComputationGraphConfiguration conf, InputType input) {
        Map<String, InputType> outputs = conf.getLayerActivationTypes(true, input);
        List<LayerCost> rows = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex lv)) {
                continue;
            }
            List<String> inputs = conf.getVertexInputs().get(e.getKey());
            InputType in = outputs.get(inputs.get(0));
            rows.add(cost(e.getKey(), lv.getLayerConf().getLayer(), in, outputs.get(e.getKey())));
        }
        return new ComplexityReport(rows);
    }

    /** The batch norms' running means and variances in a graph: state, counted by numParams() but not trained. */
    public static long runningStatistics(ComputationGraphConfiguration conf) {
        long n = 0;
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BatchNormalization bn) {
                n += 2 * bn.getNOut();
            } else if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BatchNorm bn) {
                n += 2L * bn.getChannels();
            }
        }
        return n;
    }

    private static LayerCost cost(String name, Layer layer, InputType in, InputType out) {
        long cin = channels(in);
        long cout = channels(out);
        long hw = spatial(out);
        String type = layer.getClass().getSimpleName();
        String shape = out instanceof InputType.InputTypeConvolutional c ? c.getHeight() + "x" + c.getWidth() : "1x1";
        if (layer instanceof DepthwiseConvolution2D d) {
            long kh = d.getKernelSize()[0], kw = d.getKernelSize()[1];
            return new LayerCost(name, type, cin, cout, cin, kh + "x" + kw, stride(d), shape,
                    kh * kw * cout, kh * kw * cout * hw, 0);
        }
        if (layer instanceof DepthwiseConv d) {
            long w = d.weightCount();
            return new LayerCost(name, type, cin, cout, cin, d.getKernelHeight() + "x" + d.getKernelWidth(),
                    d.getStrideHeight() + "x" + d.getStrideWidth(), shape, w, w * hw, 0);
        }
        if (layer instanceof ConvolutionLayer c) {
            long kh = c.getKernelSize()[0], kw = c.getKernelSize()[1];
            long params = kh * kw * cin * cout + (c.hasBias() ? cout : 0);
            return new LayerCost(name, type, cin, cout, 1, kh + "x" + kw, stride(c), shape,
                    params, kh * kw * cin * cout * hw, 0);
        }
        if (layer instanceof AxialConv a) {
            // counted as the DL4J conv or depthwise conv it stands for (groups 1 or cin)
            long w = a.weightCount();
            boolean height = a.getAxis() == AxialConv.Axis.HEIGHT;
            String kernel = height ? a.getKernel() + "x1" : "1x" + a.getKernel();
            String stride = height ? a.getStride() + "x1" : "1x" + a.getStride();
            return new LayerCost(name, type, cin, cout, a.getGroups(), kernel, stride, shape, w, w * hw, 0);
        }
        if (layer instanceof GroupAdaptivePointwiseConv g) {
            long w = g.weightCount();
            return new LayerCost(name, type, cin, cout, g.getGroups(), "1x1", "1x1", shape, w, w * hw, 0);
        }
        if (layer instanceof DenseLayer d) {
            long w = d.getNIn() * d.getNOut();
            return new LayerCost(name, type, cin, cout, 0, "", "", shape, w + (d.hasBias() ? d.getNOut() : 0), w, 0);
        }
        if (layer instanceof BatchNormalization || layer instanceof BatchNorm) {
            return new LayerCost(name, type, cin, cout, 0, "", "", shape, 2 * cout, 0, 0);
        }
        if (layer instanceof DynamicShiftMax d) {
            long q = d.coefficientCount();
            long fc = d.isDynamic() ? (long) d.getChannels() * d.getSqueeze() + (long) d.getSqueeze() * q : 0;
            String desc = type + " J" + d.getShifts() + "K" + d.getFusions() + (d.isDynamic() ? "" : " static");
            return new LayerCost(name, desc, cin, cout, d.getShiftGroups(), "", "", shape,
                    layer.initializer().numParams(layer), fc, hw * q);
        }
        if (layer instanceof ActivationLayer a) {
            type = "Activation(" + a.getActivationFn() + ")";
        }
        return new LayerCost(name, type, cin, cout, 0, "", "", shape, layer.initializer().numParams(layer), 0, 0);
    }

    private static String stride(ConvolutionLayer c) {
        return c.getStride()[0] + "x" + c.getStride()[1];
    }

    private static long channels(InputType t) {
        if (t instanceof InputType.InputTypeConvolutional c) {
            return c.getChannels();
        }
        return t instanceof InputType.InputTypeFeedForward f ? f.getSize() : 0;
    }

    private static long spatial(InputType t) {
        return t instanceof InputType.InputTypeConvolutional c ? c.getHeight() * c.getWidth() : 1;
    }
}
