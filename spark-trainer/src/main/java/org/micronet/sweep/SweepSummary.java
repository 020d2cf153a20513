package org.micronet.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.conf.Configuration;
import org.micronet.config.ConfigException;
import org.micronet.config.StrictYaml;
import org.micronet.trainer.Exporter;
import org.micronet.trainer.MetricsLog;
import org.micronet.trainer.RunStore;
import org.micronet.trainer.Trainer;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The table of a sweep, read from its directory alone ({@code sweep.json} and each run's
 * folder), so it is right whoever asks and while runs are still going: {@code summary.csv}
 * (raw numbers, one column per varied key) and {@code summary.md} (rounded, for people).
 * A plain run directory (from {@code train}) reads as a sweep of one run.
 */
public record SweepSummary(String directory, List<String> axes, List<SummaryRow> rows) {
    public static final String CSV = "summary.csv";
    public static final String MARKDOWN = "summary.md";
    /** The trainer's per-epoch metrics in a run directory, one JSON object per line. */

    public static SweepSummary collect(String directory, Configuration conf) throws IOException {
        RunStore dir = new RunStore(directory, conf);
        List<SummaryRow> rows = new ArrayList<>();
        if (!dir.exists(SweepPlan.FILE) && dir.exists(Trainer.CONFIG)) {
            String export;
            try (InputStream in = dir.open(Trainer.CONFIG)) {
                export = StrictYaml.readObject(in, dir.path(Trainer.CONFIG).toString()).path("export").asText();
            }
            rows.add(row(dir.root().getName(), Map.of(), dir, new RunStore(export, conf)));
            return new SweepSummary(dir.uri(), List.of(), rows);
        }
        if (!dir.exists()) {
            throw new ConfigException(directory + " does not exist");
        }
        SweepPlan.Saved plan = SweepPlan.Saved.read(dir);
        for (SweepRun run : plan.runs()) {
            RunStore folder = new RunStore(dir.path(run.name()).toString(), conf);
            rows.add(row(run.name(), run.values(), folder, new RunStore(folder.path(SweepPlan.EXPORT).toString(), conf)));
        }
        return new SweepSummary(dir.uri(), plan.axes(), rows);
    }

    /** Rewrites {@code summary.csv} and {@code summary.md} in the sweep directory. */
    static void refresh(RunStore sweep, Configuration conf) throws IOException {
        SweepSummary s = collect(sweep.uri(), conf);
        sweep.writeString(CSV, s.csv());
        sweep.writeString(MARKDOWN, s.markdown());
    }

    private static SummaryRow row(String name, Map<String, String> values, RunStore run, RunStore export)
            throws IOException {
        RunStatus status = RunStatus.read(run);
        boolean finished = run.exists(Trainer.SUCCESS);
        String state = finished ? "finished" : status == null ? (run.exists(Trainer.CONFIG) ? "incomplete" : "pending")
                : status.state() == RunStatus.State.FAILED ? "failed" : "incomplete";
        List<JsonNode> epochs = epochs(run);
        JsonNode card = finished && export.exists(Exporter.CARD) ? SweepPlan.JSON.readTree(export.readString(Exporter.CARD)) : null;
        JsonNode latency = run.exists(LatencyProbe.FILE) ? SweepPlan.JSON.readTree(run.readString(LatencyProbe.FILE)) : null;
        JsonNode last = epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
        return new SummaryRow(name, run.uri(), state, values,
                card == null ? null : card.get("model").asText(),
                card == null ? null : card.get("params").asLong(),
                card == null ? null : card.get("madds_with_fusion").asLong(),
                max(epochs, "top1"), max(epochs, "top5"),
                last == null ? null : last.get("top1").asDouble(), last == null ? null : last.get("top5").asDouble(),
                epochs.size(),
                epochs.isEmpty() ? null : epochs.stream().mapToDouble(e -> e.get("images_per_sec").asDouble()).average().orElseThrow(),
                status == null ? null : status.wallSeconds(),
                latency == null ? null : latency.get("latency_ms").asDouble(),
                card == null || !card.path("model_config").path("paper").path("top1").isNumber() ? null
                        : card.path("model_config").path("paper").path("top1").asDouble(),
                status == null || status.state() != RunStatus.State.FAILED ? null : status.error());
    }

    /** A run directory's {@code metrics.jsonl}, one JSON object per epoch (snake_case keys). */
    public static List<JsonNode> epochs(RunStore run) throws IOException {
        List<JsonNode> epochs = new ArrayList<>();
        if (run.exists(MetricsLog.JSONL)) {
            for (String line : run.readString(MetricsLog.JSONL).split("\n")) {
                if (!line.isBlank()) {
                    epochs.add(SweepPlan.JSON.readTree(line));
                }
            }
        }
        return epochs;
    }

    private static Double max(List<JsonNode> epochs, String key) {
        return epochs.stream().mapToDouble(e -> e.get(key).asDouble()).max().stream().boxed().findFirst().orElse(null);
    }

    private record Column(String csv, String markdown, Function<SummaryRow, Object> raw, Function<SummaryRow, String> shown) {
    }

    private List<Column> columns() {
        List<Column> c = new ArrayList<>();
        c.add(new Column("run", "run", SummaryRow::run, SummaryRow::run));
        c.add(new Column("status", "status", SummaryRow::status, SummaryRow::status));
        for (String axis : axes) {
            c.add(new Column(axis, axis, r -> r.values().get(axis), r -> r.values().get(axis)));
        }
        c.add(new Column("model_name", "model name", SummaryRow::model, SummaryRow::model));
        c.add(new Column("params", "params (M)", SummaryRow::params, r -> fmt(r.params(), 1e-6, "%.3f")));
        c.add(new Column("madds", "MAdds (M)", SummaryRow::madds, r -> fmt(r.madds(), 1e-6, "%.2f")));
        c.add(new Column("best_top1", "best top-1 (%)", SummaryRow::bestTop1, r -> fmt(r.bestTop1(), 100, "%.2f")));
        c.add(new Column("best_top5", "best top-5 (%)", SummaryRow::bestTop5, r -> fmt(r.bestTop5(), 100, "%.2f")));
        c.add(new Column("final_top1", "final top-1 (%)", SummaryRow::finalTop1, r -> fmt(r.finalTop1(), 100, "%.2f")));
        c.add(new Column("final_top5", "final top-5 (%)", SummaryRow::finalTop5, r -> fmt(r.finalTop5(), 100, "%.2f")));
        c.add(new Column("epochs", "epochs", SummaryRow::epochs, r -> String.valueOf(r.epochs())));
        c.add(new Column("images_per_sec", "images/s", SummaryRow::imagesPerSec, r -> fmt(r.imagesPerSec(), 1, "%.1f")));
        c.add(new Column("wall_seconds", "wall (s)", SummaryRow::wallSeconds, r -> fmt(r.wallSeconds(), 1, "%.0f")));
        c.add(new Column("latency_ms", "latency (ms)", SummaryRow::latencyMs, r -> fmt(r.latencyMs(), 1, "%.2f")));
        c.add(new Column("paper_top1", "paper top-1 (%)", SummaryRow::paperTop1, r -> fmt(r.paperTop1(), 1, "%.1f")));
        c.add(new Column("error", "error", SummaryRow::error, r -> r.error() == null ? ""
                : r.error().lines().findFirst().orElse("")));
        return c;
    }

    private static String fmt(Number n, double scale, String format) {
        return n == null ? "" : String.format(format, n.doubleValue() * scale);
    }

    public String csv() {
        List<Column> cols = columns();
        StringBuilder s = new StringBuilder(String.join(",", cols.stream().map(c -> csvCell(c.csv())).toList())).append('\n');
        for (SummaryRow r : rows) {
            s.append(String.join(",", cols.stream().map(c -> csvCell(c.raw().apply(r))).toList())).append('\n');
        }
        return s.toString();
    }

    public String markdown() {
        List<Column> cols = columns();
        StringBuilder s = new StringBuilder("| ").append(String.join(" | ", cols.stream().map(Column::markdown).toList()))
                .append(" |\n|").append("---|".repeat(cols.size())).append('\n');
        for (SummaryRow r : rows) {
            s.append("| ").append(String.join(" | ", cols.stream().map(c -> mdCell(c.shown().apply(r))).toList()))
                    .append(" |\n");
        }
        return s.toString();
    }

    /** Column name to its shown (rounded) value, per row: what the HTML report prints. */
    public List<Map<String, String>> shownRows() {
        List<Column> cols = columns();
        List<Map<String, String>> out = new ArrayList<>();
        for (SummaryRow r : rows) {
            Map<String, String> m = new LinkedHashMap<>();
            cols.forEach(c -> m.put(c.markdown(), c.shown().apply(r) == null ? "" : c.shown().apply(r)));
            out.add(m);
        }
        return out;
    }

    private static String csvCell(Object v) {
        String s = v == null ? "" : v.toString();
        return s.matches("[^,\"\\n\\r]*") ? s : "\"" + s.replace("\"", "\"\"") + "\"";
    }

    private static String mdCell(String s) {
        String t = s == null ? "" : s.replace("|", "\\|");
        // long messages keep their end, where the bad key and value are named
        return t.length() > 100 ? "..." + t.substring(t.length() - 97) : t;
    }
}
