package org.micronet.onnx;

import org.deeplearning4j.nn.api.Layer;
import org.micronet.kernels.ChannelPermutation;
import org.micronet.layers.DynamicShiftMax;
import org.micronet.layers.params.DynamicShiftMaxParams;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;

import static org.micronet.onnx.OnnxGraph.attr;

/**
 * Dynamic Shift-Max (paper Eq. 4), {@code y_c = max_k sum_j a^k_{c,j}(x) * x^j_c}, in standard
 * ops. The hyper-function: GlobalAveragePool, Gemm, Relu, Gemm, HardSigmoid, then a Mul and an
 * Add map it to {@code [-actMax, actMax]} plus each (k, j)'s offset. Its K*J*C outputs, ordered
 * (k, j, c), are split into K*J per-channel coefficients; the j-th circular group shift is a
 * Gather of channels; Mul and Add fuse the shifts and Max takes the maximum over the K fusions.
 * Static Shift-Max has constant coefficients (learned plus offset) in place of the hyper-function.
 */
final class DynamicShiftMaxExport {
    private DynamicShiftMaxExport() {
    }

    static void add(OnnxGraph g, String name, String x, DynamicShiftMax d, Layer params) {
        int c = d.getChannels(), shifts = d.getShifts(), fusions = d.getFusions();
        List<String> coefficients = d.isDynamic() ? hyperFunction(g, name, x, d, params)
                : learned(g, name, d, params);

        List<String> shifted = new ArrayList<>();
        shifted.add(x);
        int[] once = ChannelPermutation.groupShift(c, d.getShiftGroups());
        for (int j = 1; j < shifts; j++) {
            int[] map = ChannelPermutation.power(once, j);
            long[] indices = new long[c];
            for (int ch = 0; ch < c; ch++) {
                indices[ch] = map[ch];
            }
            shifted.add(g.node("Gather", name + "/shift" + j,
                    List.of(x, g.int64s(name + "/shift" + j + "-channels", indices, c)), attr("axis", 1L)));
        }

        List<String> fused = new ArrayList<>();
        for (int k = 0; k < fusions; k++) {
            String out = fusions == 1 ? name : name + "/k" + k;
            String sum = null;
            for (int j = 0; j < shifts; j++) {
                String term = g.node("Mul", shifts == 1 ? out : name + "/k" + k + "." + j,
                        List.of(shifted.get(j), coefficients.get(k * shifts + j)));
                sum = j == 0 ? term
                        : g.node("Add", j == shifts - 1 ? out : name + "/k" + k + ".sum" + j, List.of(sum, term));
            }
            fused.add(sum);
        }
        if (fusions > 1) {
            g.node("Max", name, fused);
        }
    }

    /** The K*J coefficient tensors [N, C, 1, 1] computed from x, in (k, j) order. */
    private static List<String> hyperFunction(OnnxGraph g, String name, String x, DynamicShiftMax d, Layer params) {
        int c = d.getChannels(), s = d.getSqueeze(), q = d.coefficientCount();
        String pooled = g.node("GlobalAveragePool", name + "/pool", List.of(x));
        String flat = g.node("Flatten", name + "/flatten", List.of(pooled), attr("axis", 1L));
        String fc1 = g.node("Gemm", name + "/fc1", List.of(flat,
                g.floats(name + "/" + DynamicShiftMaxParams.W1, params.getParam(DynamicShiftMaxParams.W1), c, s),
                g.floats(name + "/" + DynamicShiftMaxParams.B1, params.getParam(DynamicShiftMaxParams.B1), s)));
        String hidden = g.node("Relu", name + "/relu", List.of(fc1));
        String fc2 = g.node("Gemm", name + "/fc2", List.of(hidden,
                g.floats(name + "/" + DynamicShiftMaxParams.W2, params.getParam(DynamicShiftMaxParams.W2), s, q),
                g.floats(name + "/" + DynamicShiftMaxParams.B2, params.getParam(DynamicShiftMaxParams.B2), q)));
        String gate = ActivationExport.hardSigmoid(g, name + "/hsigmoid", fc2);
        // (gate - 0.5) * 2 actMax + offset = gate * 2 actMax + (offset - actMax)
        float actMax = (float) d.getActMax();
        String scaled = g.node("Mul", name + "/scale", List.of(gate, g.scalar(name + "/2actMax", 2 * actMax)));
        double[] offsets = d.offsets();
        float[] shift = new float[q];
        for (int i = 0; i < q; i++) {
            shift[i] = (float) (offsets[i / c] - d.getActMax());
        }
        String coef = g.node("Add", name + "/coef", List.of(scaled, g.floats(name + "/offsets", shift, q)));
        String coef4d = g.node("Reshape", name + "/coef4d", List.of(coef, g.int64s(name + "/coef4d-shape", 0, q, 1, 1)));
        List<String> parts = new ArrayList<>();
        long[] sizes = new long[q / c];
        for (int kj = 0; kj < sizes.length; kj++) {
            parts.add(name + "/a" + kj);
            sizes[kj] = c;
        }
        g.node("Split", parts, List.of(coef4d, g.int64s(name + "/split", sizes)), attr("axis", 1L));
        return parts;
    }

    /** Static Shift-Max: the K*J coefficient tensors [1, C, 1, 1], learned value plus offset. */
    private static List<String> learned(OnnxGraph g, String name, DynamicShiftMax d, Layer params) {
        int c = d.getChannels();
        float[] learned = params.getParam(DynamicShiftMaxParams.COEF).castTo(DataType.FLOAT)
                .dup('c').data().asFloat();
        double[] offsets = d.offsets();
        List<String> parts = new ArrayList<>();
        for (int kj = 0; kj < offsets.length; kj++) {
            float[] a = new float[c];
            for (int ch = 0; ch < c; ch++) {
                a[ch] = (float) (learned[kj * c + ch] + offsets[kj]);
            }
            parts.add(g.floats(name + "/a" + kj, a, 1, c, 1, 1));
        }
        return parts;
    }
}
