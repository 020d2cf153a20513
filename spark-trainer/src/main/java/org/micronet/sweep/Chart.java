package org.micronet.sweep;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A small x-y chart drawn with Java2D into a PNG (headless), for the HTML report: series of
 * points, labelled and/or joined by lines, with axes, ticks, a title and a legend.
 */
public final class Chart {
    /** @param label written next to the point, or null */
    public record Point(double x, double y, String label) {
    }

    /** @param lines join the points in order; otherwise draw them as labelled dots */
    public record Series(String name, List<Point> points, boolean lines) {
    }

    private static final int W = 720;
    private static final int H = 440;
    private static final int LEFT = 70;
    private static final int RIGHT = 190;
    private static final int TOP = 40;
    private static final int BOTTOM = 55;
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();

    public Chart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public Chart add(Series s) {
        if (!s.points().isEmpty()) {
            series.add(s);
        }
        return this;
    }

    boolean isEmpty() {
        return series.isEmpty();
    }

    byte[] png() throws IOException {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        double[] xr = range(true);
        double[] yr = range(false);
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        for (double t : ticks(xr)) {
            int px = LEFT + (int) Math.round((t - xr[0]) / (xr[1] - xr[0]) * pw);
            g.setColor(new Color(0xeeeeee));
            g.drawLine(px, TOP, px, TOP + ph);
            g.setColor(Color.DARK_GRAY);
            String s = tick(t);
            g.drawString(s, px - fm.stringWidth(s) / 2, TOP + ph + 16);
        }
        for (double t : ticks(yr)) {
            int py = TOP + ph - (int) Math.round((t - yr[0]) / (yr[1] - yr[0]) * ph);
            g.setColor(new Color(0xeeeeee));
            g.drawLine(LEFT, py, LEFT + pw, py);
            g.setColor(Color.DARK_GRAY);
            String s = tick(t);
            g.drawString(s, LEFT - 6 - fm.stringWidth(s), py + 4);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, pw, ph);
        g.drawString(xLabel, LEFT + (pw - fm.stringWidth(xLabel)) / 2, H - 15);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(yLabel, -(TOP + (ph + fm.stringWidth(yLabel)) / 2), 18);
        rotated.dispose();
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, LEFT, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.setStroke(new BasicStroke(2f));
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            g.setColor(PALETTE[i % PALETTE.length]);
            int[] prev = null;
            for (Point p : s.points()) {
                int px = LEFT + (int) Math.round((p.x() - xr[0]) / (xr[1] - xr[0]) * pw);
                int py = TOP + ph - (int) Math.round((p.y() - yr[0]) / (yr[1] - yr[0]) * ph);
                if (s.lines() && prev != null) {
                    g.drawLine(prev[0], prev[1], px, py);
                }
                g.fillOval(px - 4, py - 4, 8, 8);
                if (p.label() != null) {
                    g.drawString(p.label(), px + 6, py - 6);
                }
                prev = new int[]{px, py};
            }
            int ly = TOP + 10 + i * 18;
            g.fillRect(LEFT + pw + 12, ly - 8, 10, 10);
            g.setColor(Color.BLACK);
            g.drawString(shorten(s.name()), LEFT + pw + 28, ly + 1);
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** Data range with a margin; a single value gets a window around it. */
    private double[] range(boolean x) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (Point p : s.points()) {
                double v = x ? p.x() : p.y();
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        double pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(lo) * 0.1, 1e-3);
        return new double[]{lo - pad, hi + pad};
    }

    /** About six round tick values inside the range. */
    private static List<Double> ticks(double[] r) {
        double raw = (r[1] - r[0]) / 6;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        List<Double> t = new ArrayList<>();
        for (double v = Math.ceil(r[0] / step) * step; v <= r[1]; v += step) {
            t.add(Math.abs(v) < step * 1e-9 ? 0 : v);
        }
        return t;
    }

    private static String tick(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e7 ? String.valueOf((long) v)
                : String.format("%.4g", v).replaceFirst("\\.?0+$", "");
    }

    private static String shorten(String s) {
        return s.length() > 28 ? s.substring(0, 27) + "…" : s;
    }
}
