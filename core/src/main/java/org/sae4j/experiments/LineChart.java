package org.sae4j.experiments;

import java.util.List;
import java.util.Locale;

/** A self-contained SVG line chart (no scripts, no fonts fetched): several series over a shared x axis. */
public final class LineChart {
    // Twelve colours that stay apart from each other: the held-out study draws up to eleven remedies in one chart.
    private static final String[] COLOURS = {
        "#1f6feb", "#d73a49", "#2da44e", "#bf8700", "#8250df", "#e16f24", "#57606a", "#0a7a86", "#000000",
        "#e85aad", "#7a4e2d", "#9ab51b"};
    private static final int LEFT = 56;
    private static final int RIGHT = 230;
    private static final int TOP = 30;
    private static final int BOTTOM = 36;

    /** One line: a label and its y values at x = 0, 1, 2, … */
    public record Series(String label, double[] y) {
    }

    private LineChart() {
    }

    /** The chart as an {@code <svg>} element; y runs from {@code yMin} to {@code yMax}. */
    public static String svg(String title, String xLabel, List<Series> series, double yMin, double yMax, int width,
                             int height) {
        StringBuilder h = new StringBuilder(8192);
        int pw = width - LEFT - RIGHT;
        int ph = height - TOP - BOTTOM;
        h.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">%n", width, height, width, height));
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\">%s</text>%n", LEFT, esc(title)));
        h.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\""
                + " stroke=\"#999\"/>%n", LEFT, TOP, pw, ph));
        int maxLen = 1;
        for (Series s : series) {
            maxLen = Math.max(maxLen, s.y().length);
        }
        for (int g = 0; g <= 4; g++) { // horizontal grid and y labels
            double v = yMin + (yMax - yMin) * g / 4;
            double y = TOP + ph * (1 - (double) g / 4);
            h.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>%n",
                    LEFT, LEFT + pw, y, y, LEFT - 4, y + 4, fmt(v)));
        }
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">0</text>"
                + "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s %d</text>%n",
                LEFT, height - BOTTOM + 16, LEFT + pw, height - BOTTOM + 16, esc(xLabel), maxLen - 1));
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            String colour = COLOURS[k % COLOURS.length];
            StringBuilder pts = new StringBuilder();
            int stride = Math.max(1, s.y().length / 600); // enough points for the eye, a small file
            for (int i = 0; i < s.y().length; i += stride) {
                double x = LEFT + pw * (double) i / Math.max(1, maxLen - 1);
                double v = Math.max(yMin, Math.min(yMax, s.y()[i]));
                double y = TOP + ph * (1 - (v - yMin) / (yMax - yMin));
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            h.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"1.6\" points=\"")
                    .append(pts.toString().trim()).append("\"/>\n");
            int ly = TOP + 10 + 16 * k;
            h.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\""
                    + " stroke-width=\"3\"/><text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>%n",
                    LEFT + pw + 10, LEFT + pw + 28, ly, ly, colour, LEFT + pw + 32, ly + 4, esc(s.label())));
        }
        h.append("</svg>\n");
        return h.toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
