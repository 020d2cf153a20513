package org.micronet.inference;

import org.micronet.sweep.Chart;
import org.micronet.sweep.HtmlPage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An {@link ExportEvaluation} as files ({@code metrics.csv}, {@code per-class.csv},
 * {@code confusion.csv}, {@code report.html} in the style of the sweep report) and as text.
 */
public final class EvaluationReport {
    public static final String METRICS = "metrics.csv";
    public static final String PER_CLASS = "per-class.csv";
    public static final String CONFUSION = "confusion.csv";
    public static final String HTML = "report.html";

    private EvaluationReport() {
    }

    /** File name to content, in the order above. */
    public static Map<String, String> files(ExportEvaluation e) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        files.put(METRICS, "model,data,split,images,top1,top5,loss,training_top1\n"
                + String.join(",", csv(e.card().model()), csv(e.data()), csv(e.split()), Long.toString(e.images()),
                f(e.top1()), f(e.top5()), f(e.loss()), f(e.card().top1())) + "\n");
        StringBuilder perClass = new StringBuilder("index,id,name,images,correct,accuracy\n");
        for (int c = 0; c < e.confusion().length; c++) {
            perClass.append(String.join(",", Integer.toString(c), csv(id(e, c)), csv(name(e, c)),
                    Long.toString(e.actual(c)), Long.toString(e.confusion()[c][c]), f(e.classAccuracy(c)))).append('\n');
        }
        files.put(PER_CLASS, perClass.toString());
        StringBuilder confusion = new StringBuilder("actual\\predicted");
        for (int c = 0; c < e.confusion().length; c++) confusion.append(',').append(csv(id(e, c)));
        confusion.append('\n');
        for (int a = 0; a < e.confusion().length; a++) {
            confusion.append(csv(id(e, a)));
            for (long count : e.confusion()[a]) confusion.append(',').append(count);
            confusion.append('\n');
        }
        files.put(CONFUSION, confusion.toString());
        files.put(HTML, html(e));
        return files;
    }

    /** What the command prints: the metrics lines, per-class accuracy and the confusion matrix. */
    public static String text(ExportEvaluation e) {
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT,
                "images: %d%ntop1: %.4f%ntop5: %.4f%nloss: %.4f%ntraining_top1: %.4f%n%n", e.images(), e.top1(),
                e.top5(), e.loss(), e.card().top1()));
        int n = e.confusion().length;
        int nameWidth = 4;
        for (int c = 0; c < n; c++) nameWidth = Math.max(nameWidth, name(e, c).length());
        String row = "%-12s  %-" + nameWidth + "s  %6s  %7s  %8s%n";
        t.append(String.format(row, "id", "name", "images", "correct", "accuracy"));
        for (int c = 0; c < n; c++) {
            t.append(String.format(Locale.ROOT, row, id(e, c), name(e, c), e.actual(c), e.confusion()[c][c],
                    f(e.classAccuracy(c))));
        }
        t.append("\nconfusion (rows: actual, columns: predicted, in the order above)\n");
        for (int a = 0; a < n; a++) {
            for (long count : e.confusion()[a]) t.append(String.format("%6d", count));
            t.append("  ").append(name(e, a)).append('\n');
        }
        return t.toString();
    }

    private static String html(ExportEvaluation e) throws IOException {
        StringBuilder h = HtmlPage.begin("MicroNet evaluation: " + e.card().model());
        h.append("<h1>MicroNet evaluation</h1><p>Model <code>").append(HtmlPage.esc(e.card().model()))
                .append("</code> (").append(HtmlPage.esc(e.card().runDirectory())).append(") on <code>")
                .append(HtmlPage.esc(e.data())).append("</code>, split ").append(HtmlPage.esc(e.split())).append(": ")
                .append(e.images()).append(" images.</p>");
        Map<String, String> metrics = new LinkedHashMap<>();
        metrics.put("top-1 (%)", pct(e.top1()));
        metrics.put("top-5 (%)", pct(e.top5()));
        metrics.put("loss", f(e.loss()));
        metrics.put("training's final top-1 (%)", pct(e.card().top1()));
        HtmlPage.table(h, List.copyOf(metrics.keySet()), List.of(metrics));
        int n = e.confusion().length;
        Chart accuracy = new Chart("Top-1 per class", "class index", "top-1 (%)");
        List<Chart.Point> points = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            if (e.actual(c) > 0) points.add(new Chart.Point(c, 100 * e.classAccuracy(c), name(e, c)));
        }
        HtmlPage.figure(h, accuracy.add(new Chart.Series("per class", points, false)));
        h.append("<h2>Per class</h2>");
        List<Map<String, String>> rows = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            rows.add(Map.of("id", id(e, c), "name", name(e, c), "images", Long.toString(e.actual(c)),
                    "correct", Long.toString(e.confusion()[c][c]), "top-1 (%)", pct(e.classAccuracy(c))));
        }
        HtmlPage.table(h, List.of("id", "name", "images", "correct", "top-1 (%)"), rows);
        h.append("<h2>Confusion matrix</h2><p>Rows: actual class; columns: predicted.</p>");
        List<String> columns = new ArrayList<>(List.of("actual \\ predicted"));
        for (int c = 0; c < n; c++) columns.add(name(e, c));
        List<Map<String, String>> matrix = new ArrayList<>();
        for (int a = 0; a < n; a++) {
            Map<String, String> r = new LinkedHashMap<>();
            r.put(columns.get(0), name(e, a));
            for (int p = 0; p < n; p++) r.put(name(e, p), Long.toString(e.confusion()[a][p]));
            matrix.add(r);
        }
        HtmlPage.table(h, columns, matrix);
        return HtmlPage.end(h);
    }

    private static String id(ExportEvaluation e, int c) {
        return e.card().classIds().get(c);
    }

    private static String name(ExportEvaluation e, int c) {
        return e.card().classes().get(c);
    }

    private static String f(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.2f", 100 * v);
    }

    /** A CSV field, quoted when it needs to be. */
    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
