package org.micronet.blocks;

import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.micronet.activations.ReLU6;
import org.micronet.layers.DynamicShiftMax;
import org.micronet.models.ModelConfig.Ablation;
import org.micronet.models.ModelConfig.ActivationKind;
import org.micronet.models.ModelConfig.ShiftMax;

/**
 * One of the three activation positions of a Micro-Block (after the first pointwise conv,
 * after the depthwise conv, after the last pointwise conv), driven by the block table's switch:
 * 0 is ReLU6 at positions 1 and 2 and nothing at position 3; 2 is DY-Shift-Max with the model's
 * K and offsets; 1 (and any switch at position 3) is DY-Shift-Max with K = 1. The ablation may
 * swap DY-Shift-Max for another activation or switch positions off.
 */
public final class ActivationSlot {
    private static final double[] OUTPUT_OFFSETS_A = {1.0, 0.0};
    private static final double[] OUTPUT_OFFSETS_B = {0.0, 0.0};

    private final ShiftMax shiftMax;
    private final Ablation ablation;

    ActivationSlot(ShiftMax shiftMax, Ablation ablation) {
        this.shiftMax = shiftMax;
        this.ablation = ablation;
    }

    /**
     * @param position    1, 2 or 3
     * @param y           the table's switch
     * @param shiftGroups groups of the circular shift
     * @param reduction   hyper-function reduction (squeeze = make_divisible(C / reduction, 4))
     */
    public void add(GraphCursor cur, String name, int position, int y, int shiftGroups, int reduction) {
        boolean on = y != 0 && ablation.positions().contains(position)
                && ablation.activation() != ActivationKind.RELU;
        if (!on) {
            if (position < 3) {
                cur.layer(name, Layers.activation(new ReLU6()));
            }
            return;
        }
        int channels = cur.channels();
        int squeeze = squeeze(channels, reduction);
        int k = position < 3 && y == 2 ? shiftMax.k() : 1;
        DynamicShiftMax.Builder b = new DynamicShiftMax.Builder().channels(channels).squeeze(squeeze)
                .actMax(shiftMax.actMax()).weightInit(new NormalDistribution(0, 0.01))
                .biasInit(0.0);
        switch (ablation.activation()) {
            case DY_SHIFT_MAX, STATIC_SHIFT_MAX -> {
                b.shiftGroups(shiftGroups).shifts(shiftMax.j()).fusions(k)
                        .dynamic(ablation.activation() == ActivationKind.DY_SHIFT_MAX);
                if (position == 3) {
                    b.offsets(pad(OUTPUT_OFFSETS_A, k), pad(OUTPUT_OFFSETS_B, k));
                } else {
                    b.offsets(pad(shiftMax.initA(), k), pad(shiftMax.initB(), k));
                }
            }
            // dynamic ReLU is the J = 1 case: max(a1 x, a2 x) starting as max(x, 0)
            case DY_RELU -> b.shifts(1).fusions(k).offsets(pad(new double[]{1.0, 0.0}, k), new double[k]);
            // SE: J = K = 1 with coefficient hsigmoid(.) itself: (t - 0.5) * 2 * 0.5 + 0.5 = t
            case SE_RELU -> b.shifts(1).fusions(1).actMax(0.5).offsets(new double[]{0.5}, new double[]{0.0});
            default -> throw new IllegalStateException("unhandled activation " + ablation.activation());
        }
        cur.layer(name, b.build());
        boolean reluAfter = switch (ablation.activation()) {
            case SE_RELU -> position < 3;
            // the paper adds a ReLU where K = 1 leaves nothing to take the maximum over (Table 6)
            case DY_SHIFT_MAX, STATIC_SHIFT_MAX -> position < 3 && y == 2 && k == 1;
            default -> false;
        };
        if (reluAfter) {
            cur.layer(name + ".relu", Layers.activation(new ReLU6()));
        }
    }

    /** The reference's make_divisible(C // reduction, 4), at least 4. */
    public static int squeeze(int channels, int reduction) {
        int v = channels / reduction;
        int rounded = Math.max(4, (v + 2) / 4 * 4);
        return rounded < 0.9 * v ? rounded + 4 : rounded;
    }

    private static double[] pad(java.util.List<Double> values, int k) {
        double[] out = new double[k];
        for (int i = 0; i < k && i < values.size(); i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    private static double[] pad(double[] values, int k) {
        double[] out = new double[k];
        System.arraycopy(values, 0, out, 0, Math.min(k, values.length));
        return out;
    }
}
