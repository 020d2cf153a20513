package org.micronet.models;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.micronet.activations.HardSwish;
import org.micronet.blocks.GraphCursor;
import org.micronet.blocks.Head;
import org.micronet.blocks.Layers;
import org.micronet.layers.DynamicShiftMax;
import org.micronet.layers.GlobalAveragePooling;
import org.micronet.layers.InvertedDropout;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

/**
 * MobileNetV3-Small, the paper's baseline (Table 7), laid out as torchvision's: 3x3 stem,
 * inverted residuals (expand, k x k depthwise, SE with hard sigmoid, project), last 1x1 conv,
 * pool, linear + h-swish, dropout, linear. SE is {@link DynamicShiftMax} with J = K = 1.
 */
final class MobileNetV3SmallBuilder {
    private MobileNetV3SmallBuilder() {
    }

    static ComputationGraphConfiguration build(ModelConfig cfg, NeuralNetConfiguration.Builder base) {
        ModelConfig.MobileNet m = cfg.mobilenet();
        ComputationGraphConfiguration.GraphBuilder g = base.graphBuilder()
                .addInputs(MicroNetBuilder.INPUT)
                .setInputTypes(Models.inputType(cfg));
        GraphCursor cur = new GraphCursor(g, MicroNetBuilder.INPUT, 3, cfg.ops());
        int stem = scale(m.stem(), m);
        cur.layer("features.0.0", Layers.conv(3, 3, 2, 2, 3, stem), stem)
                .layer("features.0.1", Layers.batchNorm(cur.ops(), stem))
                .layer("features.0.2", Layers.activation(new HardSwish()));
        List<List<Integer>> rows = m.blocks();
        for (int i = 0; i < rows.size(); i++) {
            List<Integer> r = rows.get(i);
            invertedResidual(cur, "features." + (i + 1) + ".block", r.get(0), scale(r.get(1), m), scale(r.get(2), m),
                    r.get(3) != 0, r.get(4) != 0 ? new HardSwish() : Activation.RELU.getActivationFunction(), r.get(5),
                    m.divisor());
        }
        int last = scale(m.lastConv(), m);
        String p = "features." + (rows.size() + 1);
        cur.layer(p + ".0", Layers.groupPointwise(cur.channels(), last, 1), last)
                .layer(p + ".1", Layers.batchNorm(cur.ops(), last))
                .layer(p + ".2", Layers.activation(new HardSwish()))
                .layer("avgpool", new GlobalAveragePooling());
        // the head keeps its width at every multiplier, as the paper's baselines (1.6M parameters at 0.5)
        int width = cfg.head().width();
        cur.layer("classifier.0", Layers.linear(last, width), width)
                .layer("classifier.1", Layers.activation(new HardSwish()));
        if (cfg.head().dropout() > 0) {
            cur.layer("classifier.2", new DropoutLayer.Builder().dropOut(new InvertedDropout(1.0 - cfg.head().dropout())).build());
        }
        cur.layer("classifier.3", Layers.linear(width, cfg.classes()), cfg.classes())
                .layer(Head.OUTPUT, new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build());
        return g.setOutputs(Head.OUTPUT).build();
    }

    private static void invertedResidual(GraphCursor cur, String p, int k, int expanded, int out, boolean se,
                                         IActivation act, int stride, int divisor) {
        int in = cur.channels();
        String input = cur.last();
        int j = 0;
        if (expanded != in) {
            cur.layer(p + "." + j + ".0", Layers.groupPointwise(in, expanded, 1), expanded)
                    .layer(p + "." + j + ".1", Layers.batchNorm(cur.ops(), expanded))
                    .layer(p + "." + j + ".2", Layers.activation(act));
            j++;
        }
        cur.layer(p + "." + j + ".0", Layers.depthwise(cur.ops(), k, k, stride, stride, expanded, 1))
                .layer(p + "." + j + ".1", Layers.batchNorm(cur.ops(), expanded))
                .layer(p + "." + j + ".2", Layers.activation(act));
        j++;
        if (se) {
            cur.layer(p + "." + j, new DynamicShiftMax.Builder().channels(expanded)
                    .squeeze(makeDivisible(expanded / 4, divisor)).shifts(1).fusions(1).actMax(0.5)
                    .offsets(new double[]{0.5}, new double[]{0.0})
                    .weightInit(new NormalDistribution(0, 0.01)).biasInit(0.0).build());
            j++;
        }
        cur.layer(p + "." + j + ".0", Layers.groupPointwise(expanded, out, 1), out)
                .layer(p + "." + j + ".1", Layers.batchNorm(cur.ops(), out));
        if (stride == 1 && in == out) {
            cur.vertex(p + ".add", new ElementWiseVertex(ElementWiseVertex.Op.Add), input, cur.last());
        }
    }

    private static int scale(int channels, ModelConfig.MobileNet m) {
        return makeDivisible(channels * m.width(), m.divisor());
    }

    /** torchvision's _make_divisible: nearest multiple of the divisor, not below it, losing at most 10%. */
    static int makeDivisible(double v, int divisor) {
        int rounded = Math.max(divisor, (int) (v + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * v ? rounded + divisor : rounded;
    }
}
