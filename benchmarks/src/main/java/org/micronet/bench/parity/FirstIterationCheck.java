package org.micronet.bench.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.bench.torch.TorchMicroNet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Before training: the loss of each worker's first minibatch on the initial weights, by DL4J (our
 * network, as a Spark worker computes it) and by the PyTorch mirror, both in training mode (batch
 * statistics) without dropout, whose masks the two would draw differently; and DL4J's L2 score
 * term against the mirror's. Equal values say both sides start from the same weights, data and
 * loss. Leaves both networks as it found them.
 *
 * @param dl4j        DL4J's cross-entropy of each minibatch (its score less the L2 term)
 * @param torch       the mirror's
 * @param dl4jL2      DL4J's L2 score term, 0.5 * sum of wd * |w|^2
 * @param torchL2     the same from the mirror's parameters and weight decays
 */
public record FirstIterationCheck(List<Double> dl4j, List<Double> torch, double dl4jL2, double torchL2) {

    public static FirstIterationCheck run(ComputationGraph net, TorchMicroNet mirror, SynchronousRound round,
                                          HeavyBallSgd sgd, List<Minibatch> workers) {
        List<Double> ours = new ArrayList<>();
        List<Double> theirs = new ArrayList<>();
        Map<Layer, IDropout> dropouts = new IdentityHashMap<>();
        for (Layer l : net.getLayers()) {
            if (l.conf().getLayer().getIDropout() != null) {
                dropouts.put(l, l.conf().getLayer().getIDropout());
                l.conf().getLayer().setIDropout(null);
            }
        }
        mirror.withDropout(false);
        Map<String, NDArray> running = mirror.runningStatistics();
        try (NDScope scope = new NDScope()) {
            Map<String, NDArray> start = SynchronousRound.copy(running);
            double l2 = net.calcRegularizationScore(true);
            for (Minibatch mb : workers) {
                INDArray x = Nd4j.create(mb.features(), mb.shape(), 'c');
                INDArray y = Nd4j.create(mb.labels(), new long[]{mb.size(), mb.classes()}, 'c');
                net.setInputs(x);
                net.setLabels(y);
                net.computeGradientAndScore();
                ours.add(net.score() - l2);
                theirs.add(mirror.loss(mirror.forward(round.input(mb), true, null), round.labels(mb))
                        .toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble());
                SynchronousRound.assign(running, start);
            }
            net.clear();
            return new FirstIterationCheck(ours, theirs, l2, sgd.l2Penalty());
        } finally {
            dropouts.forEach((l, d) -> l.conf().getLayer().setIDropout(d));
            mirror.withDropout(true);
        }
    }

    /** The largest difference of the two sides' losses relative to DL4J's. */
    public double worstRelativeDifference() {
        double worst = 0;
        for (int i = 0; i < dl4j.size(); i++) {
            worst = Math.max(worst, Math.abs(dl4j.get(i) - torch.get(i)) / Math.abs(dl4j.get(i)));
        }
        return worst;
    }

    public String summary() {
        StringBuilder s = new StringBuilder("first-iteration check (initial weights, training-mode batch norm, no dropout):");
        for (int i = 0; i < dl4j.size(); i++) {
            s.append(String.format("%n  worker %d minibatch 0: DL4J loss %.6f, PyTorch %.6f", i, dl4j.get(i), torch.get(i)));
        }
        s.append(String.format("%n  mean over workers: DL4J %.6f, PyTorch %.6f; largest relative difference %.2e",
                dl4j.stream().mapToDouble(d -> d).average().orElse(Double.NaN),
                torch.stream().mapToDouble(d -> d).average().orElse(Double.NaN), worstRelativeDifference()));
        s.append(String.format("%n  L2 score term (in DL4J's reported losses): DL4J %.6f, PyTorch mirror %.6f", dl4jL2, torchL2));
        return s.toString();
    }
}
