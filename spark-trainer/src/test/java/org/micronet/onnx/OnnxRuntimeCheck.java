package org.micronet.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.ingest.loader.Preprocessing;
import org.micronet.ingest.loader.SampleTransform;
import org.micronet.layers.BatchNorm;
import org.micronet.layers.DynamicShiftMax;
import org.micronet.layers.params.BatchNormParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/** Real inputs and randomised models for the ONNX tests, and ONNX Runtime running an exported model. */
public final class OnnxRuntimeCheck {
    private OnnxRuntimeCheck() {
    }

    public static Path repo() {
        return Path.of(System.getProperty("micronet.repo", "..")).toAbsolutePath().normalize();
    }

    /**
     * The first JPEG of each of the first {@code count} classes of the bundled Fashion-MNIST sample,
     * as the evaluation transform prepares them: NCHW float32 of size x size.
     */
    public static INDArray images(int size, int count) {
        Path train = repo().resolve("data/sample/fashion-mnist-ilsvrc/train");
        try (Stream<Path> classes = Files.list(train)) {
            List<Path> dirs = classes.sorted().limit(count).toList();
            SampleTransform transform = SampleTransform.evaluation(Preprocessing.evaluation(size, 36, false, 90));
            float[] data = new float[dirs.size() * 3 * size * size];
            for (int i = 0; i < dirs.size(); i++) {
                Path jpeg;
                try (Stream<Path> files = Files.list(dirs.get(i))) {
                    jpeg = files.sorted().findFirst().orElseThrow();
                }
                transform.apply(jpeg.toString(), Files.readAllBytes(jpeg), data, i * 3 * size * size);
            }
            return Nd4j.create(data, new long[]{dirs.size(), 3, size, size}, 'c');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot prepare the sample images under " + train, e);
        }
    }

    public static OrtSession session(byte[] model) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        // the test machine is shared; one thread keeps ORT from competing with other builds
        options.setIntraOpNumThreads(1);
        return OrtEnvironment.getEnvironment().createSession(model, options);
    }

    /** Runs {@code model} on {@code input}; returns the requested tensors by name. */
    public static Map<String, INDArray> run(OrtSession session, INDArray input, Set<String> outputs) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] x = input.castTo(DataType.FLOAT).dup('c').data().asFloat();
        Map<String, INDArray> result = new LinkedHashMap<>();
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), input.shape());
             OrtSession.Result r = session.run(Map.of(session.getInputNames().iterator().next(), tensor), outputs)) {
            for (Map.Entry<String, OnnxValue> e : r) {
                OnnxTensor t = (OnnxTensor) e.getValue();
                FloatBuffer buf = t.getFloatBuffer();
                float[] values = new float[buf.remaining()];
                buf.get(values);
                result.put(e.getKey(), Nd4j.create(values, t.getInfo().getShape(), 'c'));
            }
        }
        return result;
    }

    /** Largest absolute difference between two arrays of the same shape. */
    public static double maxAbsDiff(INDArray a, INDArray b) {
        if (!java.util.Arrays.equals(a.shape(), b.shape())) {
            throw new AssertionError("shapes differ: " + java.util.Arrays.toString(a.shape()) + " vs "
                    + java.util.Arrays.toString(b.shape()));
        }
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    /**
     * Random weights everywhere at scales that keep activations in range: convs keep their random
     * initialisation; linear layers (head and hyper-functions) get N(0, 1/fan-in) so they are not
     * near zero; batch norms (ours and DL4J's, same keys) get gamma in [0.5, 1.5], beta and mean in [-0.5, 0.5], var in [0.25, 2].
     */
    public static void randomise(ComputationGraph net, long seed) {
        Random r = new Random(seed);
        for (Layer layer : net.getLayers()) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
                INDArray p = e.getValue();
                String key = e.getKey();
                if (conf instanceof BatchNorm || conf instanceof BatchNormalization) {
                    double lo = switch (key) {
                        case BatchNormParams.GAMMA -> 0.5;
                        case BatchNormParams.VAR -> 0.25;
                        default -> -0.5;
                    };
                    double hi = key.equals(BatchNormParams.VAR) ? 2.0 : lo + 1.0;
                    fill(p, () -> lo + (hi - lo) * r.nextDouble());
                } else if (conf instanceof DynamicShiftMax || conf instanceof DenseLayer) {
                    double std = p.rank() == 2 && p.rows() > 1 ? 1 / Math.sqrt(p.rows()) : 0.3;
                    fill(p, () -> std * r.nextGaussian());
                }
            }
        }
    }

    private static void fill(INDArray p, java.util.function.DoubleSupplier values) {
        double[] v = new double[(int) p.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.getAsDouble();
        }
        p.assign(Nd4j.create(v, p.shape(), 'c').castTo(p.dataType()));
    }
}
