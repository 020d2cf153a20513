package org.micronet.onnx;

import onnx.Onnx;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The ONNX graph under construction: nodes in execution order and their initializers. Every
 * tensor name is used once; a vertex's result is named as the DL4J vertex, and the tensors
 * inside it {@code vertex/what}, so a node in the file can be traced to its layer.
 */
final class OnnxGraph {
    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();

    /** Adds a node with one output, named {@code output}; returns that name. */
    String node(String opType, String output, List<String> inputs, Onnx.AttributeProto... attributes) {
        claim(output);
        graph.addNode(Onnx.NodeProto.newBuilder().setOpType(opType).setName(output).addAllInput(inputs)
                .addOutput(output).addAllAttribute(Arrays.asList(attributes)));
        return output;
    }

    /** Adds a node with several outputs (Split). */
    void node(String opType, List<String> outputs, List<String> inputs, Onnx.AttributeProto... attributes) {
        outputs.forEach(this::claim);
        graph.addNode(Onnx.NodeProto.newBuilder().setOpType(opType).setName(outputs.get(0)).addAllInput(inputs)
                .addAllOutput(outputs).addAllAttribute(Arrays.asList(attributes)));
    }

    /** A float32 initializer holding {@code values} (c order) with the given dimensions. */
    String floats(String name, INDArray values, long... dims) {
        return floats(name, values.castTo(DataType.FLOAT).dup('c').data().asFloat(), dims);
    }

    String floats(String name, float[] values, long... dims) {
        checkLength(name, values.length, dims);
        ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return initializer(name, Onnx.TensorProto.DataType.FLOAT, raw, dims);
    }

    String scalar(String name, float value) {
        return floats(name, new float[]{value});
    }

    /** An int64 initializer: shapes, indices, split sizes. */
    String int64s(String name, long[] values, long... dims) {
        checkLength(name, values.length, dims);
        ByteBuffer raw = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(values);
        return initializer(name, Onnx.TensorProto.DataType.INT64, raw, dims);
    }

    String int64s(String name, long... values) {
        return int64s(name, values, values.length);
    }

    /** Declares a graph input or output: float32 with a named batch dimension and fixed others. */
    void input(String name, long... dims) {
        graph.addInput(valueInfo(name, dims));
    }

    void output(String name, long... dims) {
        graph.addOutput(valueInfo(name, dims));
    }

    Onnx.GraphProto.Builder proto() {
        return graph;
    }

    static Onnx.AttributeProto attr(String name, long value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT)
                .setI(value).build();
    }

    static Onnx.AttributeProto attr(String name, float value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.FLOAT)
                .setF(value).build();
    }

    static Onnx.AttributeProto attr(String name, long... values) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name)
                .setType(Onnx.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private String initializer(String name, Onnx.TensorProto.DataType type, ByteBuffer raw, long... dims) {
        claim(name);
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name).setDataType(type)
                .setRawData(ByteString.copyFrom(raw.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    private static Onnx.ValueInfoProto valueInfo(String name, long... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder()
                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (long d : dims) {
            shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder()
                        .setElemType(Onnx.TensorProto.DataType.FLOAT).setShape(shape))).build();
    }

    private void claim(String name) {
        if (!names.add(name)) {
            throw new IllegalStateException("ONNX tensor name used twice: " + name);
        }
    }

    private static void checkLength(String name, int length, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != length) {
            throw new IllegalStateException(name + ": " + length + " values for dimensions " + Arrays.toString(dims));
        }
    }
}
