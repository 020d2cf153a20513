package org.micronet.models;

import org.micronet.models.Wiring.Step;
import org.micronet.testing.ArchitectureSpec;
import org.micronet.testing.ArchitectureSpec.Block;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The wiring the spec's rules give a model (micronet-architecture.md, "Building blocks"),
 * derived here from the spec's block table, not by our builder: the expectation for M1 and M2,
 * which have no trace. Layers are named as the traces number the reference's layers.
 */
final class SpecWiring {
    /** "hyper-function reduction = 8*r". */
    private static final int REDUCTION = 8;
    private static final int CLASSES = 1000;

    private final ArchitectureSpec.Model model;
    private final List<Step> steps = new ArrayList<>();
    private int channels = 3;

    private SpecWiring(ArchitectureSpec.Model model) {
        this.model = model;
    }

    static List<Step> of(ArchitectureSpec.Model model) {
        SpecWiring w = new SpecWiring(model);
        w.stem(model.stemA(), model.stemB());
        for (int i = 0; i < model.blocks().size(); i++) {
            Block b = model.blocks().get(i);
            int in = w.channels;
            String p = "features." + (i + 1) + ".layers";
            if (b.g1() == 0) {
                w.typeA(p, b);
            } else if (b.g4() == 0) {
                w.typeC(p, b);
            } else {
                w.typeB(p, b, in * b.e1() * b.e2());
            }
            // "A block adds its input to its output (residual) when stride is 1 and in = out channels."
            if (b.s() == 1 && in == b.c()) {
                w.steps.add(Wiring.add("features." + (i + 1) + ".add"));
            }
        }
        w.steps.add(Wiring.relu6("avgpool.relu6"));
        w.linear("classifier.0.linear", model.headWidth());
        w.linear("classifier.2.linear", CLASSES);
        return w.steps;
    }

    /** 3 x 1 conv 3 -> a, stride (2, 1), BN, 1 x 3 depthwise multiplier b, stride (1, 2), BN, shuffle(a), ReLU6. */
    private void stem(int a, int b) {
        String p = "features.0.stem.0.conv.";
        conv(p + "0", a, 1, "3x1", "2x1");
        conv(p + "2", a * b, a, "1x3", "1x2");
        steps.add(Wiring.shuffle(p + "4", a));
        steps.add(Wiring.relu6("features.0.stem.1"));
    }

    /**
     * dw(e1, e2) -> [y2, shift g2] -> shuffle(g2) -> shuffle(hidden/2) if y2 -> pw(g3)
     * -> [y3, K = 1, reduction halved, shift g4] -> shuffle(g4) -> shuffle(c/2) if c even and y3.
     */
    private void typeA(String p, Block b) {
        int reduction = REDUCTION * b.r();
        depthwise(p + ".0", b.k(), b.e1(), b.e2(), b.s());
        int hidden = channels;
        activation(p + ".1", 2, b.y2(), b.g2(), reduction);
        steps.add(Wiring.shuffle(p + ".2", b.g2()));
        if (b.y2() != 0) {
            steps.add(Wiring.shuffle(p + ".3", hidden / 2));
        }
        conv(p + ".4.conv.0", b.c(), b.g3(), "1x1", "1x1");
        activation(p + ".5", 3, b.y3(), b.g4(), reduction / 2);
        steps.add(Wiring.shuffle(p + ".6", b.g4()));
        if (b.c() % 2 == 0 && b.y3() != 0) {
            steps.add(Wiring.shuffle(p + ".7", b.c() / 2));
        }
    }

    /**
     * pw(g1) -> [y1, shift g2] -> shuffle(g2) -> dw -> [y2, hidden/g2 shift groups of g2 channels]
     * -> shuffle(hidden/4) if y1 and y2, shuffle(hidden/2) if one -> pw(g3)
     * -> [y3, K = 1, reduction halved when c < hidden, shift g4] -> shuffle(g4) -> shuffle(c/2) if y3.
     */
    private void typeB(String p, Block b, int hidden) {
        int reduction = REDUCTION * b.r();
        conv(p + ".0.conv.0", hidden, b.g1(), "1x1", "1x1");
        activation(p + ".1", 1, b.y1(), b.g2(), reduction);
        steps.add(Wiring.shuffle(p + ".2", b.g2()));
        depthwise(p + ".3", b.k(), 1, 1, b.s());
        activation(p + ".5", 2, b.y2(), hidden / b.g2(), reduction);
        int on = (b.y1() != 0 ? 1 : 0) + (b.y2() != 0 ? 1 : 0);
        if (on > 0) {
            steps.add(Wiring.shuffle(p + ".6", on == 2 ? hidden / 4 : hidden / 2));
        }
        conv(p + ".7.conv.0", b.c(), b.g3(), "1x1", "1x1");
        activation(p + ".8", 3, b.y3(), b.g4(), b.c() < hidden ? reduction / 2 : reduction);
        steps.add(Wiring.shuffle(p + ".9", b.g4()));
        if (b.y3() != 0) {
            steps.add(Wiring.shuffle(p + ".10", b.c() / 2));
        }
    }

    /** pw(g1) to c -> [y3, K = 1, shift g2]. */
    private void typeC(String p, Block b) {
        conv(p + ".0.conv.0", b.c(), b.g1(), "1x1", "1x1");
        activation(p + ".1", 3, b.y3(), b.g2(), REDUCTION * b.r());
    }

    /** k x 1 depthwise, multiplier e1, stride on height, BN, 1 x k depthwise, multiplier e2, stride on width, BN. */
    private void depthwise(String p, int k, int e1, int e2, int stride) {
        int in = channels;
        conv(p + ".conv.0", in * e1, in, k + "x1", stride + "x1");
        conv(p + ".conv.2", in * e1 * e2, in * e1, "1x" + k, "1x" + stride);
    }

    /** A conv from the current channels, then its batch norm (the next index). */
    private void conv(String name, int out, int groups, String kernel, String stride) {
        steps.add(Wiring.conv(name, channels, out, groups, kernel, stride));
        channels = out;
        int dot = name.lastIndexOf('.');
        steps.add(Wiring.batchNorm(name.substring(0, dot + 1) + (Integer.parseInt(name.substring(dot + 1)) + 1), out));
    }

    private void linear(String prefix, int out) {
        steps.add(Wiring.linear(prefix + ".0", channels, out));
        steps.add(Wiring.batchNorm(prefix + ".1", out));
        channels = out;
    }

    /**
     * The switch y at a position: 0 is ReLU6 at positions 1 and 2 and nothing at 3; y = 2 at
     * positions 1 and 2 is DY-Shift-Max with K = 2, anything else K = 1 (J = 2 throughout).
     */
    private void activation(String name, int position, int y, int shiftGroups, int reduction) {
        if (y == 0) {
            if (position < 3) {
                steps.add(Wiring.relu6(name));
            }
            return;
        }
        int k = position < 3 && y == 2 ? 2 : 1;
        double[][] offsets = offsets(model, position, k);
        steps.add(Wiring.shiftMax(name, channels, 2, k, shiftGroups, channels / shiftGroups,
                shiftIndex(channels, shiftGroups), squeeze(channels, reduction), offsets[0], offsets[1]));
    }

    /**
     * The initial offsets {a, b}, one per fusion: the model's init_a / init_b at positions 1 and 2
     * ("K = 1 with the first offsets"), (1.0, 0.0) at the block output (position 3).
     */
    static double[][] offsets(ArchitectureSpec.Model model, int position, int k) {
        double[] a = position == 3 ? new double[]{1.0} : model.initA();
        double[] b = position == 3 ? new double[]{0.0} : model.initB();
        return new double[][]{Arrays.copyOf(a, k), Arrays.copyOf(b, k)};
    }

    /** x2[i*gc + j] = x[((i+1) mod g)*gc + (j+1) mod gc], gc = C/g: the channel x2 reads at each channel. */
    static int[] shiftIndex(int channels, int g) {
        int gc = channels / g;
        int[] idx = new int[channels];
        for (int c = 0; c < channels; c++) {
            idx[c] = ((c / gc + 1) % g) * gc + (c % gc + 1) % gc;
        }
        return idx;
    }

    /** make_divisible(C / reduction, 4), at least 4: the nearest multiple, one step more if that lost over 10%. */
    static int squeeze(int channels, int reduction) {
        int v = channels / reduction;
        int s = Math.max(4, (v + 2) / 4 * 4);
        return s < 0.9 * v ? s + 4 : s;
    }
}
