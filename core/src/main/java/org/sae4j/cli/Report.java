package org.sae4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.sae4j.io.AtomicFiles;

/**
 * {@code train --report FILE.html}: one self-contained page (inline SVG and CSS, no scripts, nothing fetched) that
 * reads at a glance: the summary as a table of what a user looks for, loss on a log axis, R², L0, the dead fraction
 * over a token window the run fills (named on the chart), a series that never changed stated as a value instead of
 * drawn, and the feature-density histogram of the final model.
 */
final class Report {
    /**
     * One chart point: means over the steps since the previous point, and the dead fraction over the chart's window
     * ({@code NaN} until the run has filled it).
     */
    record Point(long step, double loss, double r2, double l0, double windowDead, double reanimationCoef,
                 Map<String, Double> terms) {
    }

    /** The dead-fraction window of the charts: latents that fired in none of the last {@code steps} batches. */
    record DeadWindow(long tokens, long steps) {
    }

    /**
     * The feature density of the final model: each latent's firing frequency over {@code rows} rows of the data,
     * {@code dead} latents fired on none, {@code dense} ones on more than {@code denseThreshold} of them.
     */
    record Density(long rows, long dataRows, double[] frequency, double denseThreshold, int dead, int dense,
                   double r2, double explainedVariance, double l0) {
    }

    /** A summary row: the figure, its value, what it means. */
    record Row(String name, String value, String note) {
    }

    private static final int W = 470;
    private static final int H = 250;
    private static final int LEFT = 62;
    private static final int RIGHT = 28;
    private static final int TOP = 56;
    private static final int BOTTOM = 38;
    private static final String BLUE = "#1f6feb";

    private Report() {
    }

    static void write(Path file, String title, List<Row> summary, Map<String, Object> settings, List<Point> points,
                      DeadWindow window, Density density, List<HeldOut.Figures> heldOut) throws IOException {
        AtomicFiles.writeString(file, render(title, summary, settings, points, window, density, heldOut));
    }

    /** {@code heldOut}: the {@code --eval-data} evaluations, empty without it. */
    static String render(String title, List<Row> summary, Map<String, Object> settings, List<Point> points,
                         DeadWindow window, Density density, List<HeldOut.Figures> heldOut) {
        StringBuilder h = new StringBuilder(32_768);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(esc(title)).append("</title>\n<style>")
                .append("body{font:14px system-ui,sans-serif;margin:24px;color:#222}")
                .append("h1{font-size:20px}h2{font-size:16px;margin:22px 0 8px}")
                .append("table{border-collapse:collapse;margin:4px 0 8px}")
                .append("th,td{padding:4px 14px 4px 0;text-align:left;vertical-align:top}")
                .append("th{border-bottom:1px solid #bbb;font-weight:600}")
                .append("td.v{font-family:ui-monospace,monospace;white-space:nowrap}td.n{color:#666}")
                .append(".settings td{font-family:ui-monospace,monospace;font-size:12.5px;word-break:break-all}")
                .append(".settings td:first-child{white-space:nowrap;word-break:normal}")
                .append(".charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}")
                .append("svg{background:#fafafa;border:1px solid #ddd}")
                .append(".card{width:")
                .append(W - 30).append("px;border:1px solid #ddd;background:#fafafa;padding:14px}")
                .append(".card .v{font:600 22px ui-monospace,monospace;margin:6px 0}.card .n{color:#666}")
                .append(".cards{margin-top:16px}")
                .append("</style></head><body>\n<h1>").append(esc(title)).append("</h1>\n");
        h.append("<h2>Summary</h2>\n<table class=\"summary\" id=\"summary\"><tr><th>figure</th><th>value</th>"
                + "<th>what it is</th></tr>");
        for (Row r : summary) {
            h.append("<tr><td>").append(esc(r.name())).append("</td><td class=\"v\">").append(esc(r.value()))
                    .append("</td><td class=\"n\">").append(esc(r.note())).append("</td></tr>");
        }
        h.append("</table>\n<h2>Training curves</h2>\n<div class=\"charts\">\n");
        StringBuilder cards = new StringBuilder();
        boolean logLoss = points.stream().allMatch(p -> p.loss() > 0);
        chart(h, cards, "loss" + (logLoss ? " (log scale)" : ""), "mean over the steps since the previous point",
                points, Point::loss, logLoss, false, false);
        chart(h, cards, "R² (scalar mean)", "1 − mse / variance of all entries, training batches", points, Point::r2,
                false, false, true);
        chart(h, cards, "L0 (active latents per row)", "training batches", points, Point::l0, false, false, false);
        chart(h, cards, "dead fraction", String.format(Locale.ROOT, "latents not fired in the last %s tokens (%d"
                + " steps)", group(window.tokens()), window.steps()), points, Point::windowDead, false, true, false);
        chart(h, cards, "re-animation coefficient", "in force at each point", points, Point::reanimationCoef, false,
                false, false);
        if (!points.isEmpty()) { // each user loss term, by the name its --json key has
            for (String term : points.get(points.size() - 1).terms().keySet()) {
                chart(h, cards, "loss term " + term, "its value before the coefficient, at the step of each point",
                        points, p -> p.terms().getOrDefault(term, Double.NaN), false, false, false);
            }
        }
        h.append("</div>\n");
        if (cards.length() > 0) {
            h.append("<div class=\"charts cards\">\n").append(cards).append("</div>\n");
        }
        if (!heldOut.isEmpty()) {
            heldOutCharts(h, heldOut);
        }
        if (density != null) {
            h.append("<h2>Feature density at the end of training</h2>\n");
            histogram(h, density);
        }
        h.append("<h2>Settings</h2>\n<table class=\"settings\">");
        for (Map.Entry<String, Object> e : settings.entrySet()) {
            h.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(esc(String.valueOf(e.getValue())))
                    .append("</td></tr>");
        }
        h.append("</table>\n<p>").append(points.size()).append(" chart points. Written by sae4j.</p>\n")
                .append("</body></html>\n");
        return h.toString();
    }

    /**
     * A line chart, or a card stating the value when the series never changed. {@code log}: log axis;
     * {@code fraction}: shown in %, axis from 0; {@code clipAtZero}: when only the first few points are negative
     * (R² of the first steps), the axis starts at 0 so the rest of the run is readable, and the note says so.
     */
    private static void chart(StringBuilder h, StringBuilder cards, String name, String note, List<Point> all,
                              ToDoubleFunction<Point> m, boolean log, boolean fraction, boolean clipAtZero) {
        chart(h, cards, name, note, all, Point::step, m, log, fraction, clipAtZero);
    }

    /** As above over any kind of point with a step ({@code stepOf}). */
    private static <T> void chart(StringBuilder h, StringBuilder cards, String name, String note, List<T> all,
                                  ToLongFunction<T> stepOf, ToDoubleFunction<T> m, boolean log, boolean fraction,
                                  boolean clipAtZero) {
        List<T> pts = new ArrayList<>();
        for (T p : all) {
            if (Double.isFinite(m.applyAsDouble(p))) {
                pts.add(p);
            }
        }
        if (pts.isEmpty()) {
            card(cards, name, "not measured", all.isEmpty() ? "no steps were run"
                    : "the run is shorter than the window: " + note);
            return;
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (T p : pts) {
            lo = Math.min(lo, m.applyAsDouble(p));
            hi = Math.max(hi, m.applyAsDouble(p));
        }
        String range = "from step " + stepOf.applyAsLong(pts.get(0)) + " to " + stepOf.applyAsLong(pts.get(pts.size() - 1)) + "; " + note;
        if (hi - lo <= 1e-9 * Math.max(Math.abs(hi), 1e-300) || pts.size() == 1) {
            // A flat line on an axis of nothing says less than the number.
            card(cards, name, pct(hi, fraction), pts.size() == 1 ? "one point, at step " + stepOf.applyAsLong(pts.get(0)) + "; "
                    + note : "constant " + range);
            return;
        }
        if (!fraction && hi - lo <= 1e-3 * Math.max(Math.abs(hi), Math.abs(lo))) {
            // E.g. TopK's L0, k except on the rare row with fewer positive pre-activations: a number, not noise.
            card(cards, name, fmt(hi), String.format(Locale.ROOT, "within 0.1 %% (%.6g to %.6g) %s", lo, hi, range));
            return;
        }
        Axis axis = axis(pts, stepOf, m, lo, hi, log, fraction, clipAtZero);
        draw(h, name, note, all, pts, stepOf, m, axis, log, fraction);
    }

    /**
     * A chart's y axis over [{@code a}, {@code b}] (log10 values on a log axis) with its ticks, and the note a
     * clipped axis adds.
     */
    private record Axis(double a, double b, List<Double> ticks, String note) {
    }

    /** The y axis for values in [lo, hi]: padded, on round ticks; see {@link #chart} for the flags. */
    private static <T> Axis axis(List<T> pts, ToLongFunction<T> stepOf, ToDoubleFunction<T> m, double lo, double hi,
                                 boolean log, boolean fraction, boolean clipAtZero) {
        String note2 = "";
        boolean clipped = false;
        if (clipAtZero && lo < 0 && hi > 0) {
            long below = pts.stream().filter(p -> m.applyAsDouble(p) < 0).count();
            if (below * 10 < pts.size()) {
                long last = 0;
                for (T p : pts) {
                    if (m.applyAsDouble(p) < 0) {
                        last = stepOf.applyAsLong(p);
                    }
                }
                note2 = "axis from 0: below 0 until step " + last + " (min " + fmt(lo) + ")";
                lo = 0;
                clipped = true;
            }
        }
        if (log) {
            return new Axis(Math.log10(lo), Math.log10(hi), logTicks(lo, hi), note2);
        }
        double a = fraction ? 0 : lo;
        double b = hi;
        double pad = 0.05 * (b - a);
        a = fraction || clipped ? a : a - pad;
        b += pad;
        List<Double> ticks = niceTicks(a, b, 5);
        return new Axis(Math.min(a, ticks.get(0)), Math.max(b, ticks.get(ticks.size() - 1)), ticks, note2);
    }

    /** The chart's SVG: title and notes, the y ticks, the step axis and the line through {@code pts}. */
    private static <T> void draw(StringBuilder h, String name, String note, List<T> all, List<T> pts,
                                 ToLongFunction<T> stepOf, ToDoubleFunction<T> m, Axis axis, boolean log,
                                 boolean fraction) {
        double a = axis.a();
        double b = axis.b();
        List<Double> ticks = axis.ticks();
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        h.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">", W, H, W, H, esc(name)));
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"600\">%s</text>",
                LEFT, esc(name)));
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"34\" font-size=\"11.5\" fill=\"#555\">%s</text>",
                LEFT, esc(note)));
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"48\" font-size=\"11.5\" fill=\"#555\">%s</text>",
                LEFT, esc(axis.note())));
        h.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\""
                + " stroke=\"#999\"/>", LEFT, TOP, pw, ph));
        for (double t : ticks) {
            double v = log ? Math.log10(t) : t;
            if (v < a - 1e-12 || v > b + 1e-12) {
                continue;
            }
            double y = TOP + ph * (1 - (v - a) / (b - a));
            h.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>",
                    LEFT + 1, LEFT + pw - 1, y, y));
            label(h, LEFT - 5, y + 4, "end", log ? fmt(t) : tick(fraction ? 100 * t : t,
                    (fraction ? 100 : 1) * (ticks.size() > 1 ? ticks.get(1) - ticks.get(0) : b - a))
                    + (fraction ? " %" : ""));
        }
        long s0 = stepOf.applyAsLong(pts.get(0));
        long s1 = Math.max(s0 + 1, stepOf.applyAsLong(pts.get(pts.size() - 1)));
        long xs0 = all.isEmpty() ? s0 : Math.min(s0, stepOf.applyAsLong(all.get(0)));
        for (double t : niceTicks(xs0, s1, 5)) {
            if (t < xs0 || t > s1) {
                continue;
            }
            double x = LEFT + pw * (t - xs0) / (s1 - xs0);
            h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#666\"/>",
                    x, x, TOP + ph, TOP + ph + 4));
            label(h, x, TOP + ph + 16, "middle", group((long) t));
        }
        label(h, LEFT + pw / 2.0, H - 4, "middle", "step");
        StringBuilder poly = new StringBuilder();
        for (T p : pts) {
            double v = log ? Math.log10(m.applyAsDouble(p)) : Math.max(a, m.applyAsDouble(p));
            double x = LEFT + pw * (double) (stepOf.applyAsLong(p) - xs0) / (s1 - xs0);
            double y = TOP + ph * (1 - (v - a) / (b - a));
            poly.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        h.append("<polyline fill=\"none\" stroke=\"").append(BLUE).append("\" stroke-width=\"1.6\" points=\"")
                .append(poly.toString().trim()).append("\"/>");
        h.append("</svg>\n");
    }

    /** The {@code --eval-data} curves: the model at each evaluation, on rows it never trained on. */
    private static void heldOutCharts(StringBuilder h, List<HeldOut.Figures> heldOut) {
        String rows = group(heldOut.get(heldOut.size() - 1).rows()) + " held-out rows";
        StringBuilder cards = new StringBuilder();
        h.append("<h2 id=\"heldout\">Held-out evaluation</h2>\n<div class=\"charts\">\n");
        chart(h, cards, "held-out explained variance", "1 − E‖x − x̂‖² / (E‖x‖² − ‖E x‖²), " + rows, heldOut,
                HeldOut.Figures::step, HeldOut.Figures::explainedVariance, false, false, true);
        chart(h, cards, "held-out no-fire fraction", "latents with a positive code on none of the " + rows, heldOut,
                HeldOut.Figures::step, HeldOut.Figures::noFireFraction, false, true, false);
        chart(h, cards, "held-out L0", "active latents per row, " + rows, heldOut, HeldOut.Figures::step,
                HeldOut.Figures::l0, false, false, false);
        h.append("</div>\n");
        if (cards.length() > 0) {
            h.append("<div class=\"charts cards\">\n").append(cards).append("</div>\n");
        }
    }

    private static void card(StringBuilder h, String name, String value, String note) {
        h.append("<div class=\"card\" role=\"figure\" aria-label=\"").append(esc(name)).append("\"><div><b>")
                .append(esc(name)).append("</b></div><div class=\"v\">").append(esc(value))
                .append("</div><div class=\"n\">").append(esc(note)).append("</div></div>\n");
    }

    private static void histogram(StringBuilder h, Density d) {
        int hw = 2 * W + 16;
        int pw = hw - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        double min = 0;
        int alive = 0;
        for (double f : d.frequency()) {
            if (f > 0) {
                alive++;
                min = Math.min(min, Math.log10(f));
            }
        }
        double lo = Math.floor(Math.min(min, Math.log10(d.denseThreshold())) - 1e-9);
        int bins = (int) Math.max(10, Math.min(80, Math.round(-lo * 12)));
        double w = -lo / bins;
        int[] counts = new int[bins];
        for (double f : d.frequency()) {
            if (f > 0) {
                counts[(int) Math.min(bins - 1, Math.max(0, Math.floor((Math.log10(f) - lo) / w)))]++;
            }
        }
        int top = 1;
        for (int c : counts) {
            top = Math.max(top, c);
        }
        int n = d.frequency().length;
        String title = "log10 feature density: final model on " + (d.rows() < d.dataRows() ? "the first " : "all ")
                + group(d.rows()) + " rows";
        h.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"density\" width=\"%d\""
                + " height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">", hw, H, hw, H, esc(title)));
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"600\">%s</text>",
                LEFT, esc(title)));
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"35\" font-size=\"11.5\" fill=\"#555\">%s</text>",
                LEFT, esc("dead (never fired): " + d.dead() + " of " + n + " (" + fmt(100.0 * d.dead() / n)
                        + " %)   ·   dense (fires on more than " + fmt(100 * d.denseThreshold()) + " % of rows): "
                        + d.dense() + "   ·   alive: " + alive)));
        h.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\""
                + " stroke=\"#999\"/>", LEFT, TOP, pw, ph));
        double dl = Math.log10(d.denseThreshold());
        for (int i = 0; i < bins; i++) {
            if (counts[i] == 0) {
                continue;
            }
            double bh = (double) ph * counts[i] / top;
            double x = LEFT + pw * (i * w) / -lo;
            h.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
                            + " height=\"%.1f\" fill=\"%s\"><title>%d latents</title></rect>", x + 0.5, TOP + ph - bh,
                    Math.max(1, pw / (double) bins - 1), bh, lo + (i + 0.5) * w > dl ? "#d0704a" : "#4a7bd0",
                    counts[i]));
        }
        for (int e = (int) lo; e <= 0; e++) {
            double x = LEFT + pw * (e - lo) / -lo;
            h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#666\"/>",
                    x, x, TOP + ph, TOP + ph + 4));
            label(h, x, TOP + ph + 16, "middle", e == 0 ? "1" : "1e" + e);
        }
        double xd = LEFT + pw * (dl - lo) / -lo;
        h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#d0704a\""
                + " stroke-dasharray=\"4 3\"/>", xd, xd, TOP, TOP + ph));
        label(h, LEFT - 5, TOP + 8, "end", Integer.toString(top));
        label(h, LEFT - 5, TOP + ph, "end", "0");
        label(h, LEFT + pw / 2.0, H - 4, "middle", "fraction of rows where the latent fires (log10); latents per bin");
        h.append("</svg>\n");
    }

    /** About {@code count} round ticks (1, 2, 5 × 10^k steps) covering [lo, hi]. */
    static List<Double> niceTicks(double lo, double hi, int count) {
        double span = hi - lo;
        double raw = span / Math.max(1, count - 1);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = mag * (raw / mag < 1.5 ? 1 : raw / mag < 3.5 ? 2 : raw / mag < 7.5 ? 5 : 10);
        List<Double> t = new ArrayList<>();
        for (double v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) {
            t.add(Math.abs(v) < step * 1e-9 ? 0 : v);
        }
        return t;
    }

    /** Decades within [lo, hi], with 2 and 5 between them when the range spans fewer than three decades. */
    static List<Double> logTicks(double lo, double hi) {
        List<Double> t = new ArrayList<>();
        int e0 = (int) Math.floor(Math.log10(lo));
        int e1 = (int) Math.ceil(Math.log10(hi));
        double[] mult = e1 - e0 <= 3 ? (e1 - e0 <= 1 ? new double[] {1, 1.5, 2, 3, 5, 7} : new double[] {1, 2, 5})
                : new double[] {1};
        for (int e = e0; e <= e1; e++) {
            for (double m : mult) {
                double v = m * Math.pow(10, e);
                if (v >= lo && v <= hi) {
                    t.add(v);
                }
            }
        }
        if (t.size() < 2) {
            t.add(lo);
            t.add(hi);
        }
        return t;
    }

    private static String pct(double v, boolean fraction) {
        return fraction ? fmt(100 * v) + " %" : fmt(v);
    }

    /** A tick value with as many decimals as the tick spacing needs. */
    static String tick(double v, double step) {
        int decimals = (int) Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static void label(StringBuilder h, double x, double y, String anchor, String text) {
        h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"%s\">%s</text>",
                x, y, anchor, esc(text)));
    }

    static String fmt(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        String s = a >= 1e5 || a < 1e-3 ? String.format(Locale.ROOT, "%.3g", v)
                : String.format(Locale.ROOT, "%.4g", v);
        if (s.contains(".") && !s.contains("e")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }

    /** 1234567 → "1,234,567". */
    static String group(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
