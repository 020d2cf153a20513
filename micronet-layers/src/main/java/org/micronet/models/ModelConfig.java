package org.micronet.models;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.List;

/**
 * A model as its YAML file declares it (see {@code configs/models/}). One type covers MicroNet
 * (stem, block table, DY-Shift-Max settings, ablation switches) and the MobileNetV3-Small
 * baseline; {@link #validate()} checks the fields the chosen architecture uses. {@code ops}
 * picks the implementation of the layers, not the model: both compute the same function.
 */
public record ModelConfig(
        String name,
        String description,
        Architecture architecture,
        Integer inputSize,
        Integer classes,
        Stem stem,
        Head head,
        ShiftMax shiftMax,
        Ablation ablation,
        Ops ops,
        List<BlockRow> blocks,
        MobileNet mobilenet,
        Expected expected,
        Paper paper) {

    public enum Architecture {
        @JsonProperty("micronet") MICRONET,
        @JsonProperty("mobilenetv3_small") MOBILENETV3_SMALL
    }

    /** Stem (a, b): a 3x1 conv 3 -> a channels, then a 1x3 depthwise conv with multiplier b. */
    public record Stem(Integer channels, Integer multiplier) {
    }

    /** The classifier head: linear(C, width) -> BN -> h-swish -> dropout -> linear(width, classes). */
    public record Head(Integer width, Double dropout) {
    }

    /**
     * DY-Shift-Max settings. J and K apply where the block table's switch is 2 (K = 1 where it
     * is 1, and always at the block output); initA/initB are the offsets of the K = 2 fusions.
     */
    public record ShiftMax(Integer reduction, Double actMax, List<Double> initA, List<Double> initB,
                           Integer j, Integer k) {
        public ShiftMax {
            reduction = reduction == null ? 8 : reduction;
            actMax = actMax == null ? 2.0 : actMax;
            initA = initA == null ? List.of(1.0, 1.0) : List.copyOf(initA);
            initB = initB == null ? List.of(0.0, 0.0) : List.copyOf(initB);
            j = j == null ? 2 : j;
            k = k == null ? 2 : k;
        }
    }

    /** What the activation switches of the block table turn on (paper Tables 4, 5 and 6). */
    public enum ActivationKind {
        @JsonProperty("dy_shift_max") DY_SHIFT_MAX,
        @JsonProperty("static_shift_max") STATIC_SHIFT_MAX,
        @JsonProperty("dy_relu") DY_RELU,
        @JsonProperty("se_relu") SE_RELU,
        @JsonProperty("relu") RELU
    }

    /** Where the lite combination (Micro-Block-A) is used (paper Table 3c). */
    public enum LiteLevels {
        /** As the block table says: the low levels. */
        @JsonProperty("low") LOW,
        /** Every block but the last is lite. */
        @JsonProperty("all") ALL,
        /** No block is lite. */
        @JsonProperty("none") NONE
    }

    /** Which depthwise convolution the blocks use (paper Table 2). */
    public enum Depthwise {
        @JsonProperty("factorized") FACTORIZED,
        @JsonProperty("full") FULL
    }

    /**
     * Ablation switches; every one defaults to the released MicroNet.
     *
     * @param activation what switches 1 and 2 in the block table turn on
     * @param positions  which of the three activation positions (1, 2, 3) get it; the others
     *                   become ReLU6 (positions 1, 2) or nothing (position 3)
     * @param groups     fixed group count for every pointwise conv (Table 3a), or null
     * @param lambda     group-adaptive multiplier, G = lambda * sqrt(C/R) (Table 3b), or null
     * @param lite       where lite blocks sit (Table 3c)
     * @param depthwise  factorized (k x 1 then 1 x k) or full k x k depthwise (Table 2)
     */
    public record Ablation(ActivationKind activation, List<Integer> positions, Integer groups, Double lambda,
                           LiteLevels lite, Depthwise depthwise) {
        public Ablation {
            activation = activation == null ? ActivationKind.DY_SHIFT_MAX : activation;
            positions = positions == null ? List.of(1, 2, 3) : List.copyOf(positions);
            lite = lite == null ? LiteLevels.LOW : lite;
            depthwise = depthwise == null ? Depthwise.FACTORIZED : depthwise;
        }

        public static Ablation none() {
            return new Ablation(null, null, null, null, null, null);
        }
    }

    /**
     * MobileNetV3-Small at width 1.0 (channels are scaled by {@code width} and rounded to
     * multiples of {@code divisor}): stem channels, the inverted-residual table with rows
     * {@code [k, expanded, out, se, hswish, stride]}, and the last 1x1 conv's width.
     */
    public record MobileNet(Double width, Integer divisor, Integer stem, List<List<Integer>> blocks, Integer lastConv) {
        public MobileNet {
            divisor = divisor == null ? 8 : divisor;
        }
    }

    /** Exact counts the built model must have; tests assert them. */
    public record Expected(Long params, Long madds, Long maddsWithFusion) {
    }

    /** The paper's figures for this model, for reports (rounded as the paper prints them). */
    public record Paper(String table, Double params, Double madds, Double top1, Double top5) {
    }

    public ModelConfig {
        inputSize = inputSize == null ? 224 : inputSize;
        classes = classes == null ? 1000 : classes;
        ablation = ablation == null ? Ablation.none() : ablation;
        shiftMax = shiftMax == null ? new ShiftMax(null, null, null, null, null, null) : shiftMax;
        ops = ops == null ? Ops.MICRONET : ops;
    }

    /** The same model for another input size and class count (the expected counts no longer apply). */
    public ModelConfig withTask(int inputSize, int classes) {
        boolean same = inputSize == this.inputSize && classes == this.classes;
        return new ModelConfig(name, description, architecture, inputSize, classes, stem, head, shiftMax, ablation,
                ops, blocks, mobilenet, same ? expected : null, paper);
    }

    /** The same model computed by another implementation of its layers. */
    public ModelConfig withOps(Ops ops) {
        return new ModelConfig(name, description, architecture, inputSize, classes, stem, head, shiftMax, ablation,
                ops, blocks, mobilenet, expected, paper);
    }

    /** Every problem found, each naming the key and the value; empty when valid. */
    public List<String> validate() {
        List<String> errors = new ArrayList<>();
        if (name == null || name.isBlank()) {
            errors.add("name: missing");
        }
        if (architecture == null) {
            errors.add("architecture: missing (expected micronet or mobilenetv3_small)");
            return errors;
        }
        if (classes < 2) {
            errors.add("classes: " + classes + " (expected >= 2)");
        }
        if (head == null || head.width() == null || head.dropout() == null) {
            errors.add("head: expected {width, dropout}, got " + head);
        } else if (head.width() < 1 || head.dropout() < 0 || head.dropout() >= 1) {
            errors.add("head: width " + head.width() + " must be >= 1 and dropout " + head.dropout() + " in [0, 1)");
        }
        if (architecture == Architecture.MICRONET) {
            validateMicroNet(errors);
        } else if (mobilenet == null) {
            errors.add("mobilenet: missing (expected {width, divisor, blocks})");
        } else {
            validateMobileNet(errors);
        }
        return errors;
    }

    private void validateMicroNet(List<String> errors) {
        if (stem == null || stem.channels() == null || stem.multiplier() == null
                || stem.channels() < 1 || stem.multiplier() < 1) {
            errors.add("stem: expected {channels >= 1, multiplier >= 1}, got " + stem);
        }
        if (blocks == null || blocks.isEmpty()) {
            errors.add("blocks: missing (expected rows " + BlockRow.COLUMNS + ")");
        } else {
            int downsampling = 2 * blocks.stream().mapToInt(BlockRow::stride).reduce(1, (a, b) -> a * b);
            if (inputSize < downsampling) {
                errors.add("inputSize: " + inputSize + " is smaller than the network's total stride " + downsampling);
            }
        }
        ShiftMax sm = shiftMax;
        if (sm.j() < 1 || sm.j() > 8 || sm.k() < 1 || sm.k() > 8) {
            errors.add("shiftMax: j = " + sm.j() + ", k = " + sm.k() + " (expected 1..8)");
        }
        if (sm.initA().size() < 2 || sm.initB().size() < 2) {
            errors.add("shiftMax: initA and initB need 2 values each, got " + sm.initA() + " and " + sm.initB());
        }
        if (sm.reduction() < 1 || sm.actMax() <= 0) {
            errors.add("shiftMax: reduction " + sm.reduction() + " must be >= 1 and actMax " + sm.actMax() + " > 0");
        }
        Ablation a = ablation;
        for (Integer p : a.positions()) {
            if (p == null || p < 1 || p > 3) {
                errors.add("ablation.positions: " + p + " is not an activation position (expected 1, 2 or 3)");
            }
        }
        if (a.groups() != null && a.lambda() != null) {
            errors.add("ablation: set groups (fixed) or lambda (adaptive), not both");
        }
        if (a.groups() != null && a.groups() < 1) {
            errors.add("ablation.groups: " + a.groups() + " (expected >= 1)");
        }
        if (a.lambda() != null && a.lambda() <= 0) {
            errors.add("ablation.lambda: " + a.lambda() + " (expected > 0)");
        }
    }

    private void validateMobileNet(List<String> errors) {
        MobileNet m = mobilenet;
        if (m.width() == null || m.stem() == null || m.lastConv() == null) {
            errors.add("mobilenet: width, stem and lastConv are required");
            return;
        }
        if (inputSize < 32) {
            errors.add("inputSize: " + inputSize + " is smaller than the network's total stride 32");
        }
        if (m.width() <= 0) {
            errors.add("mobilenet.width: " + m.width() + " (expected > 0)");
        }
        if (m.divisor() < 1) {
            errors.add("mobilenet.divisor: " + m.divisor() + " (expected >= 1)");
        }
        if (m.blocks() == null || m.blocks().isEmpty()) {
            errors.add("mobilenet.blocks: missing (expected rows [k, expanded, out, se, hswish, stride])");
            return;
        }
        for (int i = 0; i < m.blocks().size(); i++) {
            if (m.blocks().get(i).size() != 6) {
                errors.add("mobilenet.blocks[" + i + "]: expected 6 values [k, expanded, out, se, hswish, stride], got "
                        + m.blocks().get(i));
            }
        }
        if (m.stem() < 1 || m.lastConv() < 1) {
            errors.add("mobilenet: stem " + m.stem() + " and lastConv " + m.lastConv() + " must be >= 1");
        }
    }
}
