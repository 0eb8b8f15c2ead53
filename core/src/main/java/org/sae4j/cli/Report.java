package org.sae4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sae4j.io.AtomicFiles;

/**
 * {@code train --report FILE.html}: one self-contained page (inline SVG and CSS, no scripts, nothing fetched) with
 * curves of loss, R², L0 and dead fraction over steps, and the run's settings and summary.
 */
final class Report {
    /** One logged point: the means over the steps since the previous one. */
    record Point(long step, double loss, double r2, double l0, double deadFraction, double windowDeadFraction,
                 double reanimationCoef) {
    }

    private static final int W = 460;
    private static final int H = 230;
    private static final int LEFT = 64;
    private static final int RIGHT = 14;
    private static final int TOP = 30;
    private static final int BOTTOM = 36;

    private Report() {
    }

    static void write(Path file, String title, Map<String, Object> settings, Map<String, Object> summary,
                      List<Point> points) throws IOException {
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(esc(title)).append("</title>\n<style>")
                .append("body{font:14px system-ui,sans-serif;margin:24px;color:#222}")
                .append("h1{font-size:20px}table{border-collapse:collapse;margin:8px 0 20px}")
                .append("td{padding:2px 12px 2px 0;font-family:monospace}")
                .append(".charts{display:flex;flex-wrap:wrap;gap:16px}")
                .append("svg{background:#fafafa;border:1px solid #ddd}")
                .append("</style></head><body>\n<h1>").append(esc(title)).append("</h1>\n");
        h.append("<div class=\"charts\">\n");
        chart(h, "loss", points, Point::loss);
        chart(h, "R² (scalar mean)", points, Point::r2);
        chart(h, "L0 (active latents per row)", points, Point::l0);
        chart(h, "dead fraction (no fire since the previous point)", points, Point::deadFraction);
        chart(h, "dead fraction (no fire within the dead window)", points, Point::windowDeadFraction);
        chart(h, "re-animation coefficient", points, Point::reanimationCoef);
        h.append("</div>\n<h2>Summary</h2>\n");
        table(h, summary);
        h.append("<h2>Settings</h2>\n");
        table(h, settings);
        h.append("<p>Each point is the mean over the steps since the previous point; ")
                .append(points.size()).append(" points. Written by sae4j.</p>\n</body></html>\n");
        AtomicFiles.writeString(file, h.toString());
    }

    private interface Metric {
        double of(Point p);
    }

    private static void chart(StringBuilder h, String name, List<Point> pts, Metric m) {
        h.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">", W, H, W, H, esc(name)));
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"13\">%s</text>", LEFT, esc(name)));
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        h.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\""
                + " stroke=\"#999\"/>", LEFT, TOP, pw, ph));
        if (!pts.isEmpty()) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (Point p : pts) {
                lo = Math.min(lo, m.of(p));
                hi = Math.max(hi, m.of(p));
            }
            if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
                lo -= 0.5;
                hi += 0.5;
            }
            long s0 = pts.get(0).step();
            long s1 = Math.max(s0 + 1, pts.get(pts.size() - 1).step());
            StringBuilder poly = new StringBuilder();
            for (Point p : pts) {
                double x = LEFT + pw * (double) (p.step() - s0) / (s1 - s0);
                double y = TOP + ph * (1 - (m.of(p) - lo) / (hi - lo));
                poly.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            h.append("<polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"1.5\" points=\"")
                    .append(poly.toString().trim()).append("\"/>");
            if (pts.size() == 1) {
                h.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"#1f6feb\"/>",
                        LEFT, TOP + ph / 2));
            }
            label(h, LEFT - 4, TOP + 4, "end", fmt(hi));
            label(h, LEFT - 4, TOP + ph + 4, "end", fmt(lo));
            label(h, LEFT, H - BOTTOM + 16, "start", "step " + s0);
            label(h, W - RIGHT, H - BOTTOM + 16, "end", "step " + pts.get(pts.size() - 1).step());
        }
        h.append("</svg>\n");
    }

    private static void label(StringBuilder h, int x, int y, String anchor, String text) {
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"%s\">%s</text>",
                x, y, anchor, esc(text)));
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }

    private static void table(StringBuilder h, Map<String, Object> m) {
        h.append("<table>");
        for (Map.Entry<String, Object> e : m.entrySet()) {
            Object v = e.getValue();
            String s = v instanceof Double d ? String.format(Locale.ROOT, "%.6g", d) : String.valueOf(v);
            h.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(esc(s)).append("</td></tr>");
        }
        h.append("</table>\n");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
