package org.micronet.sweep;

import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** The self-contained HTML of the reports: one style, figures inlined as PNG data URIs, plain tables. */
public final class HtmlPage {
    private HtmlPage() {
    }

    /** The page's head and style; the caller appends the body and {@link #end}. */
    public static StringBuilder begin(String title) {
        return new StringBuilder("""
                <!DOCTYPE html><html><head><meta charset="utf-8"><title>""").append(esc(title)).append("""
                </title><style>
                body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}
                td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}
                td:first-child{text-align:left}img{display:block;margin:1em 0}</style></head><body>
                """);
    }

    public static String end(StringBuilder h) {
        return h.append("</body></html>\n").toString();
    }

    public static void figure(StringBuilder h, Chart chart) throws IOException {
        if (!chart.isEmpty()) {
            h.append("<img alt=\"chart\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(chart.png())).append("\">\n");
        }
    }

    public static void table(StringBuilder h, List<String> columns, List<Map<String, String>> rows) {
        h.append("<table><tr>");
        columns.forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
        h.append("</tr>\n");
        for (Map<String, String> r : rows) {
            h.append("<tr>");
            columns.forEach(c -> h.append("<td>").append(esc(r.getOrDefault(c, ""))).append("</td>"));
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    public static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
