package org.micronet.layers.runtime;

import org.bytedeco.javacpp.BytePointer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.LinearF32;
import org.micronet.layers.KernelBridge;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Runtime of {@link org.micronet.layers.FoldedDense}: DL4J's dense layer, except that one FLOAT
 * image at inference goes through {@link LinearF32}, reading the weight where ND4J keeps it.
 * Training, batches and other data types take DL4J's path.
 */
public class FoldedDenseLayer extends DenseLayer {
    private static final LinearF32 FAST = KernelProvider.fast(LinearF32.class, "LinearF32Vec");
    private static final int INPUT = 0;
    private static final int OUTPUT = 1;
    private static final int BIAS = 2;

    private final transient FloatScratch scratch = new FloatScratch();

    public FoldedDenseLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected INDArray preOutput(boolean training, LayerWorkspaceMgr mgr) {
        LinearF32 k = KernelBridge.fastFor(FAST, input);
        INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
        int in = (int) w.size(0), out = (int) w.size(1);
        // the kernel reads W as DL4J lays it out: 'f' order, one column after another
        boolean columns = w.ordering() == 'f' && w.stride(0) == 1 && w.stride(1) == in && w.data().length() == w.length();
        if (k == null || training || input.rank() != 2 || input.size(0) != 1 || hasLayerNorm() || !columns
                || w.dataType() != DataType.FLOAT) {
            return super.preOutput(training, mgr);
        }
        float[] y = scratch.get(OUTPUT, out);
        float[] bias = hasBias() ? KernelBridge.read(getParam(DefaultParamInitializer.BIAS_KEY), scratch.get(BIAS, out))
                : null;
        // the view's own address: asNio() would give the whole flattened parameter vector
        ByteBuffer weight = new BytePointer(w.data().addressPointer()).capacity(w.length() * Float.BYTES).asByteBuffer()
                .order(ByteOrder.nativeOrder());
        k.forward(KernelBridge.read(input, scratch.get(INPUT, in)), weight, bias, y, in, out);
        return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, y, 1, out);
    }
}
