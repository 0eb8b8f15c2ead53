package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.browser.HeadlessChromium;
import org.sae4j.data.PlantedDictionary;
import org.sae4j.io.npy.NpyWriter;

/** {@code train --report} in headless Chromium from {@code file://}: plots, the summary table, no errors. */
class TrainingReportBrowserTest {
    @TempDir
    Path dir;

    @Test
    void reportShowsItsPlotsAndSummaryWithoutErrors() throws Exception {
        int d = 8;
        int rows = 512;
        Path data = dir.resolve("x.npy");
        NpyWriter.writeF32(data, PlantedDictionary.random(d, 24, 3).sample(rows, 2, 0.05, null, 4), rows, d);
        Path report = dir.resolve("report.html");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"train", "--data", data.toString(), "--latents", "64", "--activation",
            "relu", "--batch", "32", "--steps", "120", "--lr", "3e-3", "--threads", "1", "--out",
            dir.resolve("m").toString(), "--report", report.toString(), "--quiet"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();

        try (HeadlessChromium b = HeadlessChromium.start(1100, 1400)) {
            b.open(report, "document.readyState === 'complete'");
            // Loss (log scale), R², L0 (ReLU's varies) and the dead fraction are drawn as lines.
            @SuppressWarnings("unchecked")
            List<String> drawn = (List<String>) b.eval("[...document.querySelectorAll('svg')].filter(s =>"
                    + " s.querySelector('polyline')).map(s => s.getAttribute('aria-label'))");
            assertThat(drawn).contains("loss (log scale)", "R² (scalar mean)", "L0 (active latents per row)");
            // Every drawn line has visible extent (laid out, not collapsed to a point).
            assertThat((Boolean) b.eval("[...document.querySelectorAll('polyline')].every(p => {"
                    + " const r = p.getBBox(); return r.width > 100 && r.height > 5; })")).isTrue();
            // The dead fraction (a line, or a value when it never changed) says which window it is over.
            assertThat((String) b.eval("document.querySelector('[aria-label=\"dead fraction\"]').textContent"))
                    .contains("latents not fired in the last 384 tokens (12 steps)");
            // The constant coefficient is a value, not a chart.
            assertThat((String) b.eval("document.querySelector('.card[aria-label=\"re-animation coefficient\"]')"
                    + ".textContent")).contains("0.001").contains("constant");
            // The feature-density histogram of the final model.
            assertThat((Long) b.eval("document.querySelectorAll('#density rect.bar').length")).isPositive();
            // The summary table.
            @SuppressWarnings("unchecked")
            List<String> names = (List<String>) b.eval("[...document.querySelectorAll('#summary tr td:first-child')]"
                    + ".map(td => td.textContent)");
            assertThat(names).contains("R²", "explained variance", "L0", "dead", "dense", "tokens/s", "wall time");
            assertThat((Boolean) b.eval("document.querySelector('#summary').getBoundingClientRect().height > 150"))
                    .isTrue();
            assertThat(b.errors()).isEmpty();
        }
    }
}
