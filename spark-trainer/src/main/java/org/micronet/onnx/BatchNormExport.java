package org.micronet.onnx;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.micronet.kernels.FusedActivation;
import org.micronet.layers.BatchNorm;
import org.micronet.layers.params.BatchNormParams;
import org.micronet.models.BatchNormActivationFusion;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.micronet.onnx.OnnxGraph.attr;

/**
 * Batch norm at inference as ONNX BatchNormalization: gamma, beta and the running mean and
 * variance (the variance itself, as PyTorch keeps it), with the layer's epsilon. ONNX takes
 * NCHW and (N, C) input alike, as the layers do. Ours, or DL4J's (with {@code ops: dl4j}).
 * Ours may carry the activation training fused into it, which follows as an op of its own.
 */
final class BatchNormExport {
    private BatchNormExport() {
    }

    /** With a fused activation, BatchNormalization then the activation, whose output takes the vertex's name. */
    static void ours(OnnxGraph g, String name, String input, BatchNorm bn, Layer params) {
        boolean activated = bn.getActivation() != FusedActivation.NONE;
        String normalised = activated ? name + "/normalised" : name;
        add(g, normalised, input, bn.getEps(), bn.getChannels(), params.getParam(BatchNormParams.GAMMA),
                params.getParam(BatchNormParams.BETA), params.getParam(BatchNormParams.MEAN),
                params.getParam(BatchNormParams.VAR));
        if (activated) {
            ActivationExport.add(g, name, name, normalised, BatchNormActivationFusion.activationOf(bn.getActivation()));
        }
    }

    static void dl4j(OnnxGraph g, String name, String input, BatchNormalization bn, Layer params) {
        if (bn.isUseLogStd() || bn.isLockGammaBeta()) {
            throw new UnsupportedLayerException(name, "BatchNormalization with log10 std or locked gamma/beta");
        }
        add(g, name, input, bn.getEps(), bn.getNOut(), params.getParam(BatchNormalizationParamInitializer.GAMMA),
                params.getParam(BatchNormalizationParamInitializer.BETA),
                params.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN),
                params.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR));
    }

    private static void add(OnnxGraph g, String name, String input, double eps, long c, INDArray gamma, INDArray beta,
                            INDArray mean, INDArray var) {
        List<String> inputs = List.of(input, g.floats(name + "/gamma", gamma, c), g.floats(name + "/beta", beta, c),
                g.floats(name + "/mean", mean, c), g.floats(name + "/var", var, c));
        g.node("BatchNormalization", name, inputs, attr("epsilon", (float) eps));
    }
}
