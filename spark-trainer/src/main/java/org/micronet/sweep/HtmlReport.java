package org.micronet.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.conf.Configuration;
import org.micronet.trainer.RunStore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One self-contained HTML page (figures inlined as PNG data URIs) for a sweep or run directory:
 * top-1 against MAdds (the paper's Figure 1), top-1 against latency when measured (Figure 5),
 * training curves, the ablation in the paper's layout and the full summary table.
 */
public final class HtmlReport {
    private HtmlReport() {
    }

    public static String render(SweepSummary summary, Configuration conf) throws IOException {
        StringBuilder h = HtmlPage.begin("MicroNet sweep report");
        h.append("<h1>MicroNet sweep report</h1><p><code>").append(HtmlPage.esc(summary.directory())).append("</code>: ")
                .append(summary.rows().size()).append(" runs, ")
                .append(summary.rows().stream().filter(r -> r.status().equals("finished")).count()).append(" finished.</p>");
        List<SummaryRow> done = summary.rows().stream().filter(r -> r.madds() != null && r.bestTop1() != null).toList();
        HtmlPage.figure(h, scatter("Top-1 vs MAdds (Figure 1)", "MAdds (millions)", done, r -> r.madds() / 1e6));
        HtmlPage.figure(h, scatter("Top-1 vs latency (Figure 5)", "batch-1 latency (ms)",
                done.stream().filter(r -> r.latencyMs() != null).toList(), SummaryRow::latencyMs));
        HtmlPage.figure(h, curves(summary, conf, "train_loss", "Training loss"));
        HtmlPage.figure(h, curves(summary, conf, "top1", "Validation top-1 (%)"));
        HtmlPage.figure(h, curves(summary, conf, "lr", "Learning rate"));
        h.append("<h2>Ablation (paper layout)</h2>");
        List<String> paper = new ArrayList<>(summary.axes().isEmpty() ? List.of("run") : summary.axes());
        paper.addAll(List.of("params (M)", "MAdds (M)", "best top-1 (%)", "best top-5 (%)", "paper top-1 (%)"));
        HtmlPage.table(h, paper, summary.shownRows());
        h.append("<h2>All runs</h2>");
        HtmlPage.table(h, summary.shownRows().isEmpty() ? List.of() : List.copyOf(summary.shownRows().get(0).keySet()),
                summary.shownRows());
        return HtmlPage.end(h);
    }

    /** Points per model family (MicroNet, MobileNetV3, ...), labelled with the run. */
    private static Chart scatter(String title, String xLabel, List<SummaryRow> rows,
                                 java.util.function.Function<SummaryRow, Double> x) {
        Chart c = new Chart(title, xLabel, "best top-1 (%)");
        Map<String, List<Chart.Point>> families = new java.util.TreeMap<>();
        for (SummaryRow r : rows) {
            String family = r.model().toLowerCase().startsWith("mobilenet") ? "MobileNetV3-Small" : "MicroNet";
            families.computeIfAbsent(family, f -> new ArrayList<>()).add(new Chart.Point(x.apply(r), r.bestTop1() * 100, r.run()));
        }
        families.forEach((f, points) -> c.add(new Chart.Series(f, points, false)));
        return c;
    }

    private static Chart curves(SweepSummary summary, Configuration conf, String key, String title) throws IOException {
        Chart c = new Chart(title + " per epoch", "epoch", title);
        for (SummaryRow r : summary.rows()) {
            List<Chart.Point> points = new ArrayList<>();
            for (JsonNode e : SweepSummary.epochs(new RunStore(r.folder(), conf))) {
                double v = e.get(key).asDouble() * (key.equals("top1") ? 100 : 1);
                points.add(new Chart.Point(e.get("epoch").asInt() + 1, v, null));
            }
            c.add(new Chart.Series(r.run(), points, true));
        }
        return c;
    }
}
