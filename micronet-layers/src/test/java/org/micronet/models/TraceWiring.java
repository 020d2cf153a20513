package org.micronet.models;

import org.micronet.models.Wiring.Step;
import org.micronet.testing.ArchitectureSpec;
import org.micronet.testing.ReferenceTrace;
import org.micronet.testing.ReferenceTrace.Row;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The wiring a reference trace records, under our vertex names. Each row gives a step, except
 * that a DY-Shift-Max is its three rows (fc.0 gives the squeeze, the fusion row's note J, K,
 * g, gc and idx[:6]). The trace does not print the Shift-Max offsets: they are the spec's rule
 * applied to the trace's block table (which positions y1 y2 y3 are switched on) and the
 * model's init_a / init_b from the spec.
 */
final class TraceWiring {
    private static final Pattern SHUFFLE = Pattern.compile("groups=(\\d+)");
    private static final Pattern FUSION = Pattern.compile(
            "J=(\\d+) K=(\\d+) shift: g=(\\d+) gc=(\\d+) exp=\\w+ idx\\[:6\\]=\\[([^\\]]*)\\]");

    private TraceWiring() {
    }

    static List<Step> of(ReferenceTrace trace, ArchitectureSpec.Model model) {
        List<Step> steps = new ArrayList<>();
        Row fc1 = null;
        for (Row r : trace.rows()) {
            String name = r.name();
            switch (r.type()) {
                case "Conv2d" -> steps.add(Wiring.conv(name, r.cin(), r.cout(), r.groups(), r.kernel(), r.stride()));
                case "BatchNorm2d", "BatchNorm1d" -> steps.add(Wiring.batchNorm(name, r.cout()));
                case "ChannelShuffle", "ChannelShuffle2" ->
                        steps.add(Wiring.shuffle(name, Integer.parseInt(group(SHUFFLE, r, 1))));
                case "ReLU6" -> steps.add(Wiring.relu6(name));
                case "ResidualAdd" -> steps.add(Wiring.add(name.replace("(+identity)", ".add")));
                // of ReLU6, pool and h-swish only the ReLU6 is a layer the wiring compares
                case "ReLU6+AvgPool+h_swish" -> steps.add(Wiring.relu6(name + ".relu6"));
                case "Linear" -> {
                    if (name.endsWith(".fc.0")) {
                        fc1 = r;
                    } else if (!name.endsWith(".fc.2")) {
                        steps.add(Wiring.linear(name, r.cin(), r.cout()));
                    }
                }
                case "DYShiftMax-fusion" -> {
                    String layer = name.replace("(fusion)", "");
                    if (fc1 == null || !fc1.name().equals(layer + ".fc.0")) {
                        throw new IllegalStateException(trace.model() + ": " + name + " does not follow its " + layer + ".fc.0");
                    }
                    steps.add(shiftMax(trace, model, layer, r, fc1.cout(), steps));
                    fc1 = null;
                }
                default -> throw new IllegalStateException(trace.model() + ": no wiring for trace row type " + r.type()
                        + " (" + name + ")");
            }
        }
        return steps;
    }

    private static Step shiftMax(ReferenceTrace trace, ArchitectureSpec.Model model, String layer, Row fusion,
                                 int squeeze, List<Step> before) {
        int j = Integer.parseInt(group(FUSION, fusion, 1));
        int k = Integer.parseInt(group(FUSION, fusion, 2));
        int[] idx = Arrays.stream(group(FUSION, fusion, 5).split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        // the n-th Shift-Max of a block sits at the n-th switched-on position of its kind:
        // A has positions y2, y3; B y1, y2, y3; C y3 only
        String blockName = layer.substring(0, layer.indexOf(".layers"));
        ReferenceTrace.Block block = trace.block(blockName);
        int[] y = block.switches();
        List<Integer> positions = switch (block.kind()) {
            case "A" -> List.of(2, 3);
            case "B" -> List.of(1, 2, 3);
            case "C" -> List.of(3);
            default -> throw new IllegalStateException(trace.model() + ": Shift-Max " + layer + " in a " + block.kind());
        };
        positions = positions.stream().filter(p -> y[p - 1] != 0).toList();
        long seen = before.stream().filter(s -> s.kind().equals(Wiring.SHIFT_MAX) && s.name().startsWith(blockName + "."))
                .count();
        int position = positions.get((int) seen);
        int switchK = position < 3 && y[position - 1] == 2 ? 2 : 1;
        if (switchK != k) {
            throw new IllegalStateException(trace.model() + ": " + layer + " has K=" + k + " but its switch y"
                    + position + "=" + y[position - 1] + " in the block table means K=" + switchK);
        }
        double[][] offsets = SpecWiring.offsets(model, position, k);
        return Wiring.shiftMax(layer, fusion.cin(), j, k, Integer.parseInt(group(FUSION, fusion, 3)),
                Integer.parseInt(group(FUSION, fusion, 4)), idx, squeeze, offsets[0], offsets[1]);
    }

    private static String group(Pattern p, Row r, int group) {
        Matcher m = p.matcher(r.note());
        if (!m.find()) {
            throw new IllegalStateException(r.name() + ": cannot read '" + p + "' in the note '" + r.note() + "'");
        }
        return m.group(group);
    }
}
