package org.micronet.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.onnx.OnnxConverter;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Times a DL4J MicroNet exported to ONNX ({@link OnnxConverter}) in ONNX Runtime, what a user
 * would deploy it with: batch-1 inference, ORT's default graph optimisations, its intra-op
 * thread pool sized by OMP_NUM_THREADS as the other engines are (ORT's own default when unset).
 */
final class OrtRunner implements AutoCloseable {
    private final OrtSession session;

    OrtRunner(ComputationGraph net, int size) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads());
        this.session = OrtEnvironment.getEnvironment()
                .createSession(OnnxConverter.convert(net, size, Map.of()).toByteArray(), options);
    }

    /** The intra-op threads ORT is given; 0 lets ORT choose (one per core). */
    static int threads() {
        String omp = System.getenv("OMP_NUM_THREADS");
        return omp == null ? 0 : Integer.parseInt(omp);
    }

    double inferenceSeconds(int size, int warmup, int runs) throws OrtException {
        INDArray x = Dl4jRunner.images(1, size);
        String input = session.getInputNames().iterator().next();
        try (OnnxTensor tensor = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(),
                FloatBuffer.wrap(x.dup('c').data().asFloat()), x.shape())) {
            return Timing.medianSeconds(warmup, runs, () -> {
                try (OrtSession.Result r = session.run(Map.of(input, tensor))) {
                    r.get(0);
                } catch (OrtException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
