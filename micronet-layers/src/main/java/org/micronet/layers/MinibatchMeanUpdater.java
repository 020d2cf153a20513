package org.micronet.layers;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarDivision;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;

/**
 * DL4J's graph updater, turning the summed gradients into minibatch means with one ND4J op over
 * the whole flattened gradient instead of one per run of divided parameters. DL4J splits those
 * runs wherever a parameter is not divided (the batch norms' running statistics, whose
 * "gradients" are updates), so M0 paid 30 ops a step and M3 49, each allocating a scalar buffer
 * outside any workspace: the only native buffers a training step allocated. Here the undivided
 * parameters are copied aside, the whole gradient is divided by one reusable op, and they are
 * copied back; the result is DL4J's to the bit. DOUBLE gradients (the gradient checks'), and
 * gradients handed in from outside the network's view, take DL4J's path.
 */
public class MinibatchMeanUpdater extends ComputationGraphUpdater {
    /** The flattened gradient the fields below were made for. */
    private INDArray gradients;
    /** Its views that are not divided, and room to keep them during the division. */
    private List<INDArray> undivided;
    private float[][] kept;
    private ScalarDivision division;
    private int divisionBatch;

    public MinibatchMeanUpdater(ComputationGraph graph, INDArray updaterState) {
        super(graph, updaterState);
    }

    /** Sets this updater on the network, keeping the updater state it has. */
    public static void install(ComputationGraph net) {
        if (!(net.getUpdater() instanceof MinibatchMeanUpdater)) {
            net.setUpdater(new MinibatchMeanUpdater(net, net.getUpdater().getStateViewArray()));
        }
    }

    @Override
    protected void divideByMinibatch(boolean isExternal, Gradient gradient, int batchSize) {
        INDArray all = getFlattenedGradientsView();
        if (isExternal || all.dataType() != DataType.FLOAT || !KernelBridge.inPlace(all)) {
            super.divideByMinibatch(isExternal, gradient, batchSize);
            return;
        }
        if (all != gradients) {
            gradients = all;
            division = null;
            undivided = complement(all, getMinibatchDivisionSubsets(all));
            kept = new float[undivided.size()][];
            for (int i = 0; i < kept.length; i++) {
                kept[i] = new float[Math.toIntExact(undivided.get(i).length())];
            }
        }
        for (int i = 0; i < kept.length; i++) {
            KernelBridge.read(undivided.get(i), kept[i]);
        }
        Nd4j.getExecutioner().exec(division(all, batchSize));
        for (int i = 0; i < kept.length; i++) {
            KernelBridge.assign(undivided.get(i), kept[i]);
        }
    }

    /** The op dividing the whole gradient in place; its scalar lives outside the step's workspaces, built again only when the batch size changes. */
    private ScalarDivision division(INDArray all, int batchSize) {
        if (division == null || divisionBatch != batchSize) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                division = new ScalarDivision(all, null, all, batchSize);
            }
            divisionBatch = batchSize;
        }
        return division;
    }

    /** The parts of the row vector {@code all} outside the contiguous views {@code divided}, which DL4J lists in order. */
    private static List<INDArray> complement(INDArray all, List<INDArray> divided) {
        List<INDArray> rest = new ArrayList<>();
        long start = 0;
        for (INDArray d : divided) {
            long offset = d.offset() - all.offset();
            if (offset > start) {
                rest.add(all.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(start, offset)));
            }
            start = offset + d.length();
        }
        if (start < all.length()) {
            rest.add(all.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(start, all.length())));
        }
        return rest;
    }
}
