package org.micronet.complexity;

import java.util.List;

/** Per-layer costs of a model and their totals. */
public record ComplexityReport(List<LayerCost> layers) {

    public long params() {
        return layers.stream().mapToLong(LayerCost::params).sum();
    }

    public long madds() {
        return layers.stream().mapToLong(LayerCost::madds).sum();
    }

    public long fusionMadds() {
        return layers.stream().mapToLong(LayerCost::fusionMadds).sum();
    }

    public long maddsWithFusion() {
        return madds() + fusionMadds();
    }

    /** The per-layer table, then the lines {@code params:}, {@code madds:}, {@code madds_with_fusion:}. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        String header = String.format("%-32s %-28s %5s %5s %4s %5s %5s %9s %10s %11s %10s%n",
                "layer", "type", "cin", "cout", "grp", "kern", "strd", "out", "params", "madds", "fusion");
        sb.append(header).append("-".repeat(header.length() - 1)).append('\n');
        for (LayerCost c : layers) {
            sb.append(String.format("%-32s %-28s %5s %5s %4s %5s %5s %9s %,10d %,11d %,10d%n",
                    c.name(), c.type(), c.cin(), c.cout(), c.groups() == 0 ? "" : c.groups(), c.kernel(), c.stride(),
                    c.output(), c.params(), c.madds(), c.fusionMadds()));
        }
        sb.append("params: ").append(params()).append('\n');
        sb.append("madds: ").append(madds()).append('\n');
        sb.append("madds_with_fusion: ").append(maddsWithFusion()).append('\n');
        return sb.toString();
    }
}
