package org.micronet.bench.torch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.activations.HardSwish;
import org.micronet.kernels.FusedActivation;
import org.micronet.layers.AxialConv;
import org.micronet.layers.ChannelShuffle;
import org.micronet.layers.DepthwiseConv;
import org.micronet.layers.DynamicShiftMax;
import org.micronet.layers.GroupAdaptivePointwiseConv;
import org.micronet.models.BatchNormActivationFusion;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A DL4J MicroNet graph re-run with PyTorch's operators (libtorch through DJL), on a copy of
 * its parameters. Each vertex is re-implemented from the architecture spec with PyTorch's own
 * conv2d (groups), batch norm, matmul, gather and where, so our layers' semantics are checked
 * against code we did not write. Parameters are keyed as DL4J's {@code vertex_param}.
 */
public final class TorchMicroNet implements AutoCloseable {
    /** Told how long each vertex took, for per-layer breakdowns. */
    public interface VertexTimer {
        void record(String vertex, long nanos);
    }

    private final ComputationGraph net;
    private final NDManager manager;
    private final DataType dataType;
    private final List<String> order = new ArrayList<>();
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final Map<String, NDArray> shiftIndex = new LinkedHashMap<>();
    private final Map<Double, NDArray> constants = new LinkedHashMap<>();
    private boolean dropout;

    private TorchMicroNet(ComputationGraph net, DataType dataType) {
        this.net = net;
        this.manager = NDManager.newBaseManager();
        this.dataType = dataType;
        for (int i : net.topologicalSortOrder()) {
            order.add(net.getVertices()[i].getVertexName());
        }
        copyParameters();
    }

    /** A PyTorch copy of {@code net}'s current parameters and batch norm statistics, in float32 or float64. */
    public static TorchMicroNet mirror(ComputationGraph net, DataType dataType) {
        return new TorchMicroNet(net, dataType);
    }

    private void copyParameters() {
        for (String name : order) {
            Layer conf = layerConf(name);
            if (conf == null) {
                continue;
            }
            for (Map.Entry<String, INDArray> p : net.getLayer(name).paramTable().entrySet()) {
                INDArray torch = p.getKey().equals("var") || p.getKey().equals("log10stdev")
                        ? TorchLayout.runningVariance(conf, p.getValue())
                        : p.getKey().equals("mean") ? p.getValue().dup('c').reshape(p.getValue().length())
                        : TorchLayout.toTorch(conf, p.getKey(), p.getValue());
                params.put(name + "_" + runningKey(p.getKey()), toTorch(torch));
            }
        }
    }

    /** Batch norm's variance is stored as var or log10 std; here both are called var. */
    private static String runningKey(String key) {
        return key.equals("log10stdev") ? "var" : key;
    }

    public NDManager manager() {
        return manager;
    }

    /**
     * A scalar of the mirror's type, owned by libtorch and kept until {@link #close()}. Use it, never
     * a Number, in arithmetic that autograd differentiates: DJL's {@code mul(Number)} and the like wrap
     * the number in a tensor over a Java direct buffer that they close at once, while autograd keeps
     * that tensor for the backward pass (maximum, mul, div do), which then reads whatever the garbage
     * collector left there: wrong or NaN gradients whenever a GC runs between forward and backward.
     */
    public NDArray constant(double value) {
        return constants.computeIfAbsent(value, v -> {
            NDArray blob = dataType == DataType.FLOAT64 ? manager.create(v.doubleValue())
                    : manager.create(v.floatValue());
            NDArray owned = blob.duplicate();
            blob.close();
            NDScope.unregister(owned);
            return owned;
        });
    }

    /** Float32 or float64, the type of the parameters and of the inputs the mirror expects. */
    public DataType dataType() {
        return dataType;
    }

    public NDArray toTorch(INDArray a) {
        INDArray c = a.dup('c');
        Shape shape = new Shape(c.shape());
        return dataType == DataType.FLOAT64 ? manager.create(c.data().asDouble(), shape)
                : manager.create(c.data().asFloat(), shape);
    }

    /**
     * Whether training-mode forward passes apply the graph's dropout layers (PyTorch's dropout,
     * with its own random masks, scaled by 1 / (1 - rate) as DL4J's). Off by default: forward and
     * gradient cross-checks need the same function on both sides.
     */
    public TorchMicroNet withDropout(boolean enabled) {
        this.dropout = enabled;
        return this;
    }

    /**
     * Batch norm's running means and variances, keyed as {@code vertex_mean} / {@code vertex_var}:
     * training-mode forward passes update these arrays in place, as PyTorch's batch norm does.
     */
    public Map<String, NDArray> runningStatistics() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            if (e.getKey().endsWith("_mean") || e.getKey().endsWith("_var")) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** The learnable parameters (batch norm statistics excluded), in PyTorch's layouts. */
    public Map<String, NDArray> learnable() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            if (!e.getKey().endsWith("_mean") && !e.getKey().endsWith("_var")) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** Every vertex's output; the loss vertex gives the softmax probabilities. */
    public Map<String, NDArray> forward(NDArray input, boolean training, VertexTimer timer) {
        Map<String, NDArray> acts = new LinkedHashMap<>();
        acts.put(net.getConfiguration().getNetworkInputs().get(0), input);
        for (String name : order) {
            if (acts.containsKey(name)) {
                continue;
            }
            List<String> inputs = net.getConfiguration().getVertexInputs().get(name);
            long start = System.nanoTime();
            NDArray out = vertex(name, inputs.stream().map(acts::get).toList(), training);
            if (timer != null) {
                timer.record(name, System.nanoTime() - start);
            }
            acts.put(name, out);
        }
        return acts;
    }

    /** Mean softmax cross-entropy over the batch, as DL4J's MCXENT with softmax. */
    public NDArray loss(Map<String, NDArray> acts, NDArray oneHot) {
        NDArray logProbs = logits(acts).logSoftmax(1);
        return logProbs.mul(oneHot).sum(new int[]{1}).mean().neg();
    }

    /** The input of the softmax loss vertex, [batch, classes]. */
    public NDArray logits(Map<String, NDArray> acts) {
        String lossVertex = order.get(order.size() - 1);
        return acts.get(net.getConfiguration().getVertexInputs().get(lossVertex).get(0));
    }

    private Layer layerConf(String name) {
        GraphVertex v = net.getConfiguration().getVertices().get(name);
        return v instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
    }

    private NDArray param(String vertex, String key) {
        return params.get(vertex + "_" + key);
    }

    private NDArray vertex(String name, List<NDArray> in, boolean training) {
        GraphVertex v = net.getConfiguration().getVertices().get(name);
        if (v instanceof ElementWiseVertex ew && ew.getOp() == ElementWiseVertex.Op.Add) {
            NDArray sum = in.get(0);
            for (int i = 1; i < in.size(); i++) {
                sum = sum.add(in.get(i));
            }
            return sum;
        }
        Layer conf = layerConf(name);
        NDArray x = in.get(0);
        if (conf instanceof DepthwiseConvolution2D dw) {
            return Conv2d.conv2d(x, param(name, "W"), null, shape(dw.getStride()), shape(dw.getPadding()),
                    new Shape(1, 1), (int) x.getShape().get(1)).singletonOrThrow();
        }
        if (conf instanceof ConvolutionLayer c) {
            return Conv2d.conv2d(x, param(name, "W"), null, shape(c.getStride()), shape(c.getPadding()),
                    new Shape(1, 1), 1).singletonOrThrow();
        }
        if (conf instanceof AxialConv a) {
            int s = a.getStride(), p = a.getKernel() / 2;
            boolean height = a.getAxis() == AxialConv.Axis.HEIGHT;
            return Conv2d.conv2d(x, param(name, "W"), null, height ? new Shape(s, 1) : new Shape(1, s),
                    height ? new Shape(p, 0) : new Shape(0, p), new Shape(1, 1), a.getGroups()).singletonOrThrow();
        }
        if (conf instanceof DepthwiseConv dw) {
            return Conv2d.conv2d(x, param(name, "W"), null, new Shape(dw.getStrideHeight(), dw.getStrideWidth()),
                    new Shape(dw.getKernelHeight() / 2, dw.getKernelWidth() / 2), new Shape(1, 1),
                    dw.getNIn()).singletonOrThrow();
        }
        if (conf instanceof GroupAdaptivePointwiseConv pw) {
            return Conv2d.conv2d(x, param(name, "W"), null, new Shape(1, 1), new Shape(0, 0), new Shape(1, 1),
                    pw.getGroups()).singletonOrThrow();
        }
        if (conf instanceof BatchNormalization bn) {
            // DL4J: running = decay * running + (1 - decay) * batch
            return batchNorm(name, x, 1 - bn.getDecay(), bn.getEps(), training);
        }
        if (conf instanceof org.micronet.layers.BatchNorm bn) {
            NDArray normalised = batchNorm(name, x, bn.getMomentum(), bn.getEps(), training);
            // PyTorch runs the activation a batch norm of ours computes as its own op, as eager PyTorch does
            return bn.getActivation() == FusedActivation.NONE ? normalised
                    : activation(BatchNormActivationFusion.activationOf(bn.getActivation()), normalised);
        }
        if (conf instanceof DenseLayer) {
            return x.matMul(param(name, "W").transpose()).add(param(name, "b"));
        }
        if (conf instanceof DynamicShiftMax d) {
            return shiftMax(name, d, x);
        }
        if (conf instanceof ChannelShuffle s) {
            Shape sh = x.getShape();
            long g = s.getGroups();
            return x.reshape(sh.get(0), g, sh.get(1) / g, sh.get(2), sh.get(3)).transpose(0, 2, 1, 3, 4).reshape(sh);
        }
        if (conf instanceof ActivationLayer a) {
            return activation(a.getActivationFn(), x);
        }
        if (conf instanceof GlobalPoolingLayer gp && gp.getPoolingType() == PoolingType.AVG) {
            return spatialMean(x);
        }
        if (conf instanceof DropoutLayer d) {
            return training && dropout ? Dropout.dropout(x, dropRate(name, d), true).singletonOrThrow() : x;
        }
        if (conf instanceof LossLayer) {
            return x.softmax(1);
        }
        throw new UnsupportedOperationException("no PyTorch mirror for vertex '" + name + "' (" + v + ")");
    }

    private NDArray activation(IActivation fn, NDArray x) {
        if (fn instanceof ActivationReLU6) {
            return x.clip(0, 6);
        }
        if (fn instanceof ActivationReLU) {
            return Activation.relu(x);
        }
        if (fn instanceof HardSwish) {
            return x.mul(hardSigmoid(x));
        }
        if (fn instanceof ActivationIdentity) {
            return x;
        }
        throw new UnsupportedOperationException("no PyTorch mirror for activation " + fn);
    }

    /** Global average pool; DJL's PyTorch mean takes one axis at a time. */
    private static NDArray spatialMean(NDArray x) {
        return x.mean(new int[]{3}).mean(new int[]{2});
    }

    private NDArray hardSigmoid(NDArray x) {
        return x.add(constant(3)).clip(0, 6).div(constant(6));
    }

    /** DL4J's Dropout holds the probability of keeping an activation; PyTorch's the probability of dropping it. */
    private static float dropRate(String name, DropoutLayer d) {
        if (!(d.getIDropout() instanceof org.deeplearning4j.nn.conf.dropout.Dropout keep) || keep.getPSchedule() != null) {
            throw new UnsupportedOperationException("no PyTorch mirror for the dropout of vertex '" + name + "': "
                    + d.getIDropout());
        }
        return (float) (1 - keep.getP());
    }

    /**
     * PyTorch's batch norm; {@code momentum} as PyTorch defines it, running = (1 - momentum) *
     * running + momentum * batch (unbiased batch variance), updated in place in training mode.
     * DJL's batchNorm takes the other convention (MXNet's) and passes 1 - momentum to libtorch.
     */
    private NDArray batchNorm(String name, NDArray x, double momentum, double eps, boolean training) {
        return BatchNorm.batchNorm(x, param(name, "mean"), param(name, "var"), param(name, "gamma"),
                param(name, "beta"), 1, (float) (1 - momentum), (float) eps, training).singletonOrThrow();
    }

    /**
     * The spec's DY-Shift-Max: coefficients (k, j, c) from pool -> linear -> ReLU -> linear ->
     * hard sigmoid, rescaled and offset; y = max over k of sum over j of a * (x shifted j times).
     */
    private NDArray shiftMax(String name, DynamicShiftMax d, NDArray x) {
        Shape s = x.getShape();
        long n = s.get(0), c = s.get(1);
        int kk = d.getFusions(), jj = d.getShifts();
        NDArray coef;
        if (d.isDynamic()) {
            NDArray pooled = spatialMean(x);
            NDArray hidden = Activation.relu(pooled.matMul(param(name, "W1")).add(param(name, "b1")));
            NDArray z = hidden.matMul(param(name, "W2")).add(param(name, "b2"));
            coef = hardSigmoid(z).sub(constant(0.5)).mul(constant(2 * d.getActMax()));
        } else {
            coef = param(name, "coef").reshape(1, (long) kk * jj * c).repeat(0, n);
        }
        double[] offsets = new double[kk * jj];
        for (int k = 0; k < kk; k++) {
            offsets[k * jj] = d.getInitA()[k];
            if (jj > 1) {
                offsets[k * jj + 1] = d.getInitB()[k];
            }
        }
        NDArray off = x.getManager().create(offsets).toType(dataType, false).reshape(1, kk, jj, 1);
        coef = coef.reshape(n, kk, jj, c).add(off).reshape(n, kk, jj, c, 1, 1);
        NDArray[] shifted = new NDArray[jj];
        shifted[0] = x;
        for (int j = 1; j < jj; j++) {
            shifted[j] = shifted[j - 1].gather(shiftIndex(name, d, s), 1);
        }
        NDArray best = null;
        for (int k = 0; k < kk; k++) {
            NDArray fused = null;
            for (int j = 0; j < jj; j++) {
                NDArray a = coef.get(":, " + k + ", " + j);
                fused = fused == null ? a.mul(shifted[j]) : fused.add(a.mul(shifted[j]));
            }
            // on ties the first fusion wins, as our kernel does
            best = best == null ? fused : NDArrays.where(best.gte(fused), best, fused);
        }
        return best;
    }

    /** Gather index of one group shift: x2[i*gc + j] = x[((i+1) mod g)*gc + (j+1) mod gc]. */
    private NDArray shiftIndex(String name, DynamicShiftMax d, Shape s) {
        return shiftIndex.computeIfAbsent(name + s, key -> {
            int c = (int) s.get(1);
            int g = d.getShiftGroups(), gc = c / g;
            long[] idx = new long[c];
            for (int i = 0; i < g; i++) {
                for (int j = 0; j < gc; j++) {
                    idx[i * gc + j] = (long) ((i + 1) % g) * gc + (j + 1) % gc;
                }
            }
            NDArray index = manager.create(idx).reshape(1, c, 1, 1).repeat(0, s.get(0)).repeat(2, s.get(2))
                    .repeat(3, s.get(3));
            // cached across calls: an NDScope open around this forward pass must not close it
            NDScope.unregister(index);
            return index;
        });
    }

    private static Shape shape(int[] hw) {
        return new Shape(hw[0], hw[1]);
    }

    @Override
    public void close() {
        manager.close();
    }
}
