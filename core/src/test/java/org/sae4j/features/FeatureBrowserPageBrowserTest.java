package org.sae4j.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.browser.HeadlessChromium;
import org.sae4j.data.NpyDataset;
import org.sae4j.data.TokensTsv;
import org.sae4j.encode.EncoderFixtures;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.model.Activation;

/** The feature browser in headless Chromium from {@code file://}: what a user sees and clicks. */
class FeatureBrowserPageBrowserTest {
    private static HeadlessChromium browser;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        browser = HeadlessChromium.start(1300, 1000);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
    }

    private static final String READY = "document.body && document.body.dataset.ready === 'true'";

    /** Statistics of a small TopK model on Gaussian rows, with a tokens file or without. */
    private static final int D = 6;
    private static final int N = 40;
    private static final int ROWS = 400;

    /** The fixture model: TopK, d = {@value #D}, n = {@value #N}, k = 3. */
    private static SaeEncoder fixtureEncoder() {
        return SaeEncoder.of(EncoderFixtures.model(Activation.TOPK, D, N, 3, false, 4));
    }

    /** {@value #ROWS} Gaussian rows of width {@value #D} in {@code x.npy}. */
    private Path fixtureRows() throws IOException {
        Path x = dir.resolve("x.npy");
        NpyWriter.writeF32(x, EncoderFixtures.gaussian(ROWS * D, 8), ROWS, D);
        return x;
    }

    /**
     * The fixture's statistics with a tokens file of {@code token(r)} for row r in documents of 9 rows, contexts of
     * {@code context} tokens either side, and the context shading when {@code shade}.
     */
    private FeatureData withTokens(java.util.function.IntFunction<String> token, int context, boolean shade)
            throws IOException {
        Path x = fixtureRows();
        SaeEncoder enc = fixtureEncoder();
        Path t = dir.resolve("tokens.tsv");
        try (TokensTsv.TokenWriter w = TokensTsv.writer(t)) {
            for (int r = 0; r < ROWS; r++) {
                w.write(r / 9, r % 9, token.apply(r));
            }
            w.commit();
        }
        try (NpyDataset ds = NpyDataset.open(x)) {
            FeatureStats s = FeatureScan.run(enc, ds, 6, 64);
            DecoderNeighbours.Result nn = DecoderNeighbours.compute(enc, 5);
            Map<String, Object> info = syntheticInfo(N, ROWS, D, 3.0, (long) s.deadCount(), 0L, 3L);
            info.put("context", (long) context);
            info.put("tokens", t.toString());
            FeatureData f = FeatureData.of(s, 0.1, info, 5, nn.indices(), nn.cosines(), null);
            f = f.withContexts(ContextRows.select(t, f.shownRows(), context));
            return shade ? f.withShading(ContextShading.compute(enc, ds, f, context, 64)) : f;
        }
    }

    private FeatureData data(boolean withTokens) throws IOException {
        int n = N;
        int rows = ROWS;
        Path x = fixtureRows();
        SaeEncoder enc = fixtureEncoder();
        FeatureStats s;
        try (NpyDataset ds = NpyDataset.open(x)) {
            s = FeatureScan.run(enc, ds, 6, 64);
        }
        DecoderNeighbours.Result nn = DecoderNeighbours.compute(enc, 5);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("activation", "topk");
        info.put("k", 3L);
        info.put("context", 3L);
        info.put("model", "model</script><b>");
        info.put("data", x.toString());
        FeatureData.Contexts ctx = null;
        if (withTokens) {
            Path t = dir.resolve("tokens.tsv");
            try (TokensTsv.TokenWriter w = TokensTsv.writer(t)) {
                for (int r = 0; r < rows; r++) {
                    w.write(r / 9, r % 9, "w" + r);
                }
                w.commit();
            }
            info.put("tokens", t.toString());
            FeatureData pre = FeatureData.of(s, 0.1, info, 5, nn.indices(), nn.cosines(), null);
            ctx = ContextRows.select(t, pre.topRows(), 3);
        } else {
            info.put("tokens", null);
        }
        return FeatureData.of(s, 0.1, info, 5, nn.indices(), nn.cosines(), ctx);
    }

    /** features.json's info of a page built from made-up statistics (no tokens, a TopK model). */
    private static Map<String, Object> syntheticInfo(int n, long rows, long dim, double l0, long dead, long dense,
            long k) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("format", FeatureStatsWriter.FORMAT);
        info.put("rows", rows);
        info.put("dim", dim);
        info.put("latents", (long) n);
        info.put("dense_threshold", 0.1);
        info.put("mse", 0.5);
        info.put("r2", 0.8);
        info.put("explained_variance", 0.7);
        info.put("l0", l0);
        info.put("dead", dead);
        info.put("dense", dense);
        info.put("context", 8L);
        info.put("activation", "topk");
        info.put("k", k);
        info.put("model", "m");
        info.put("data", "d");
        info.put("tokens", null);
        return info;
    }

    private Path page(FeatureData f) throws IOException {
        Path p = dir.resolve("index.html");
        FeatureBrowserPage.write(p, f);
        return p;
    }

    @Test
    void rendersHistogramTableAndContextsAndFollowsClicks() throws Exception {
        FeatureData f = data(true);
        browser.open(page(f), READY);
        assertThat(browser.eval("document.querySelectorAll('#histogram svg rect.bar').length")).isNotEqualTo(0L);
        assertThat((String) browser.eval("document.getElementById('dead-label').textContent"))
                .contains("dead (never fired): " + f.info().get("dead") + " of 40");
        assertThat((String) browser.eval("document.getElementById('dense-label').textContent"))
                .endsWith(": " + f.info().get("dense"));
        assertThat(browser.eval("document.getElementById('shown').textContent")).isEqualTo("40 of 40 latents");
        assertThat((Long) browser.eval("document.querySelectorAll('#spacer .row').length")).isGreaterThan(10L);
        // The embedded model name is text, not markup.
        assertThat(browser.eval("document.querySelectorAll('b').length")).isEqualTo(0L);

        // The first latent shown is selected and its contexts are there, firing token highlighted.
        long first = (Long) browser.eval("Number(document.querySelector('#spacer .row').dataset.latent)");
        assertContexts(f, (int) first);

        // A real click on the fourth row of the table shows that latent.
        long fourth = (Long) browser.eval("Number(document.querySelectorAll('#spacer .row')[3].dataset.latent)");
        browser.click("#spacer .row:nth-child(4)");
        assertThat(browser.eval("document.getElementById('detail-title').textContent")).isEqualTo("Latent " + fourth);
        assertContexts(f, (int) fourth);
        assertThat(browser.eval("document.querySelector('#spacer .row.sel').dataset.latent"))
                .isEqualTo(Long.toString(fourth));

        // A nearest latent is a link to it.
        long near = f.nearest()[(int) fourth * f.nearestK()];
        browser.click("#nearest a");
        assertThat(browser.eval("document.getElementById('detail-title').textContent")).isEqualTo("Latent " + near);

        // Searching by latent number filters the table as one types (3, 30..39; then 35).
        browser.eval("document.getElementById('search').focus()");
        browser.type("3");
        assertThat((String) browser.eval("document.getElementById('shown').textContent")).startsWith("11 of 40");
        browser.type("5");
        assertThat((String) browser.eval("document.getElementById('shown').textContent")).startsWith("1 of 40");
        assertThat(browser.eval("document.querySelector('#spacer .row').dataset.latent")).isEqualTo("35");
        // Searching by a token finds the latents firing on it.
        long row0 = f.topRows()[35 * f.topN()];
        browser.eval("const s = document.getElementById('search'); s.value = ''; s.focus(); true");
        browser.type("w" + row0);
        assertThat((Boolean) browser.eval("[...document.querySelectorAll('#spacer .row')].some(r =>"
                + " r.dataset.latent === '35')")).isTrue();
        assertThat(browser.errors()).isEmpty();
    }

    private void assertContexts(FeatureData f, int j) throws Exception {
        int top = (int) Arrays.stream(f.topRows(), j * f.topN(), (j + 1) * f.topN()).filter(r -> r >= 0).count();
        assertThat(top).as("latent %d has top rows", j).isPositive();
        assertThat(browser.eval("document.querySelectorAll('#contexts .ctx').length")).isEqualTo((long) top);
        @SuppressWarnings("unchecked")
        List<String> fire = (List<String>) browser.eval(
                "[...document.querySelectorAll('#contexts .fire')].map(e => e.firstChild.textContent)");
        for (int q = 0; q < top; q++) {
            assertThat(fire.get(q)).isEqualTo("w" + f.topRows()[j * f.topN() + q]);
        }
        // Context stays within the document: row r's document is r / 9, at most 3 tokens either side.
        @SuppressWarnings("unchecked")
        List<Long> sizes = (List<Long>) browser.eval(
                "[...document.querySelectorAll('#contexts .ctx .text')].map(e => e.querySelectorAll('.tok').length)");
        for (int q = 0; q < top; q++) {
            long r = f.topRows()[j * f.topN() + q];
            long lo = Math.max(r - 3, r / 9 * 9);
            long hi = Math.min(r + 3, r / 9 * 9 + 8);
            assertThat(sizes.get(q)).isEqualTo(hi - lo + 1);
        }
    }

    private static final String TITLE = "document.getElementById('detail-title').textContent";

    /** The hash names the latent: it opens there, follows hashchange, Back steps back, an unknown one says so. */
    @Test
    void hashNavigationHistoryAndUnknownLatents() throws Exception {
        FeatureData f = data(true);
        Path p = page(f);
        browser.open(p, "latent=7", READY);
        assertThat(browser.eval(TITLE)).isEqualTo("Latent 7");
        assertThat(browser.eval("document.querySelector('#spacer .row.sel').dataset.latent")).isEqualTo("7");
        browser.eval("location.hash = 'latent=12'; true");
        browser.waitFor(TITLE + " === 'Latent 12'");
        long fourth = (Long) browser.eval("Number(document.querySelectorAll('#spacer .row')[3].dataset.latent)");
        browser.click("#spacer .row:nth-child(4)");
        browser.waitFor("location.hash === '#latent=" + fourth + "'");
        browser.eval("history.back(); true");
        browser.waitFor(TITLE + " === 'Latent 12'");
        browser.eval("history.forward(); true");
        browser.waitFor(TITLE + " === 'Latent " + fourth + "'");

        Path other = dir.resolve("again.html"); // another file: a new fragment of the same one loads nothing
        java.nio.file.Files.copy(p, other);
        browser.open(other, "latent=99999", READY);
        assertThat(browser.eval(TITLE)).isEqualTo("No latent 99999");
        assertThat(browser.eval("document.getElementById('unknown').textContent"))
                .isEqualTo("this model has latents 0 to 39");
        assertThat(browser.eval("document.querySelectorAll('#spacer .row.sel').length")).isEqualTo(0L);
        browser.eval("location.hash = 'latent=abc'; true");
        browser.waitFor(TITLE + " === 'No latent abc'");
        assertThat(browser.errors()).isEmpty();
    }

    /** Search: a number, an exact firing token (word-piece marks ignored), or "quoted" context text. */
    @Test
    void searchMatchesWholeTokensOrQuotedContextText() throws Exception {
        FeatureData f = data(true);
        browser.open(page(f), READY);
        // Exact: 'w1' is the token of row 1 only, not w10..w19 or w100...
        long onRow1 = 0;
        for (int j = 0; j < f.latents(); j++) {
            for (int q = 0; q < f.topN(); q++) {
                if (f.topRows()[j * f.topN() + q] == 1) {
                    onRow1++;
                    break;
                }
            }
        }
        browser.eval("document.getElementById('search').focus()");
        browser.type("w1");
        assertThat(browser.eval("document.getElementById('shown').textContent")).isEqualTo(onRow1 + " of 40 latents");
        browser.eval("const s = document.getElementById('search'); s.value = '##W1'; s.dispatchEvent(new"
                + " Event('input')); true");
        assertThat(browser.eval("document.getElementById('shown').textContent")).isEqualTo(onRow1 + " of 40 latents");
        // Quoted: any latent whose top contexts contain the text, here two neighbouring tokens of one document.
        long r = f.topRows()[35 * f.topN()];
        long next = r % 9 == 8 ? r - 1 : r + 1;
        String phrase = r % 9 == 8 ? "w" + next + " w" + r : "w" + r + " w" + next;
        browser.eval("const t = document.getElementById('search'); t.value = '\"" + phrase + "\"'; t.dispatchEvent(new"
                + " Event('input')); true");
        assertThat((Boolean) browser.eval("[...document.querySelectorAll('#spacer .row')].some(x =>"
                + " x.dataset.latent === '35')")).isTrue();
        assertThat(browser.errors()).isEmpty();
    }

    /** Values equal at the 4 shown digits still sort by their full value; dense bins stay visible. */
    @Test
    void sortingUsesFullPrecisionAndDenseBarsShow() throws Exception {
        int n = 3000;
        int topN = 1;
        double[] stats = new double[n * 4];
        for (int j = 0; j < n; j++) {
            stats[j * 4] = 10;
            stats[j * 4 + 1] = j < 3 ? 0.5 : 1e-4; // three dense latents beside 2,997 rare ones
            stats[j * 4 + 2] = 1;
            stats[j * 4 + 3] = 2;
        }
        stats[100 * 4 + 2] = 1.00002; // both shown as 1, latent 200 the larger
        stats[200 * 4 + 2] = 1.00003;
        Map<String, Object> info = syntheticInfo(n, 100000L, 8L, 2.0, 0L, 3L, 2L);
        FeatureData f = new FeatureData(info, n, topN, 1, stats, new float[n], new long[n], new int[n], new float[n],
                null, null, null);
        browser.open(page(f), READY);
        browser.click("#thead div[data-key=mean]"); // descending
        @SuppressWarnings("unchecked")
        List<String> top = (List<String>) browser.eval(
                "[...document.querySelectorAll('#spacer .row')].slice(0, 2).map(r => r.dataset.latent)");
        assertThat(top).containsExactly("200", "100");
        @SuppressWarnings("unchecked")
        List<Number> heights = (List<Number>) browser.eval("[...document.querySelectorAll('#histogram rect.bar')]"
                + ".map(r => Number(r.getAttribute('height')))");
        assertThat(heights).hasSize(2).allSatisfy(h -> assertThat(h.doubleValue()).isGreaterThanOrEqualTo(3.0));
        assertThat(browser.errors()).isEmpty();
    }

    @Test
    void withoutTokensShowsRowNumbers() throws Exception {
        FeatureData f = data(false);
        browser.open(page(f), READY);
        long first = (Long) browser.eval("Number(document.querySelector('#spacer .row').dataset.latent)");
        @SuppressWarnings("unchecked")
        List<String> rows = (List<String>) browser.eval(
                "[...document.querySelectorAll('#contexts .fire')].map(e => e.textContent)");
        assertThat(rows).isNotEmpty();
        assertThat(rows.get(0)).isEqualTo(Long.toString(f.topRows()[(int) first * f.topN()]));
        assertThat(browser.errors()).isEmpty();
    }

    @Test
    void sixteenThousandLatentsKeepTheDomSmall() throws Exception {
        int n = 16384;
        int topN = 4;
        double[] stats = new double[n * 4];
        float[] tv = new float[n * topN];
        long[] tr = new long[n * topN];
        int[] nn = new int[n * 2];
        float[] nc = new float[n * 2];
        for (int j = 0; j < n; j++) {
            long c = j % 50 == 0 ? 0 : 1 + j % 997;
            stats[j * 4] = c;
            stats[j * 4 + 1] = c / 10000.0;
            stats[j * 4 + 2] = c == 0 ? 0 : 1 + j % 7;
            stats[j * 4 + 3] = c == 0 ? 0 : 2 + j % 7;
            for (int q = 0; q < topN; q++) {
                tr[j * topN + q] = c == 0 ? -1 : (j * 31L + q) % 10000;
                tv[j * topN + q] = c == 0 ? 0 : 2 + j % 7 - q * 0.1f;
            }
            nn[j * 2] = (j + 1) % n;
            nn[j * 2 + 1] = (j + 2) % n;
            nc[j * 2] = 0.5f;
            nc[j * 2 + 1] = 0.4f;
        }
        Map<String, Object> info = syntheticInfo(n, 10000L, 768L, 32.0, n / 50 + 1, 0L, 32L);
        FeatureData f = new FeatureData(info, n, topN, 2, stats, tv, tr, nn, nc, null, null, null);
        browser.open(page(f), READY);
        assertThat(browser.eval("document.getElementById('shown').textContent")).isEqualTo(n + " of " + n + " latents");
        assertThat((Long) browser.eval("document.querySelectorAll('#spacer .row').length")).isBetween(10L, 60L);
        // Sorting by latent number and scrolling to the end renders the last rows, still few.
        browser.click("#thead div[data-key=id]");
        browser.eval("const v = document.getElementById('viewport'); v.scrollTop = v.scrollHeight;"
                + " v.dispatchEvent(new Event('scroll')); true");
        assertThat(browser.eval("[...document.querySelectorAll('#spacer .row')].some(r => r.dataset.latent === '"
                + (n - 1) + "')")).isEqualTo(true);
        assertThat((Long) browser.eval("document.querySelectorAll('#spacer .row').length")).isBetween(10L, 60L);
        assertThat(browser.errors()).isEmpty();
    }

    @Test
    void contextsAreDetokenisedAndShadedWithHistogramAndIntervalSamples() throws Exception {
        int d = D;
        int n = N;
        int rows = ROWS;
        FeatureData f = withTokens(r -> r % 3 == 1 ? "##ing" + r : r % 9 == 5 ? "." : "w" + r, 3, true);
        Path x = dir.resolve("x.npy");
        SaeEncoder enc = fixtureEncoder();
        int j = -1;
        for (int q = 0; q < n && j < 0; q++) {
            if (f.distribution().sampleRows()[q * FeatureData.SAMPLES + 1] >= 0) {
                j = q; // a latent with at least two interval samples
            }
        }
        assertThat(j).isNotNegative();
        browser.open(page(f), "latent=" + j, READY);
        assertThat(browser.eval(TITLE)).isEqualTo("Latent " + j);
        // Word pieces are joined into words and no space goes before a full stop.
        String text = (String) browser.eval("document.querySelector('#contexts .ctx .text').textContent");
        assertThat(text).doesNotContain("##").doesNotContain(" .").containsPattern("w\\d+ing\\d+");
        // Every shown token carries latent j's activation at its row; firing neighbours are shaded.
        @SuppressWarnings("unchecked")
        List<List<Object>> toks = (List<List<Object>>) browser.eval("[...document.querySelectorAll('#contexts .tok')]"
                + ".map(e => [e.title, Number(e.dataset.act), e.style.background !== ''])");
        float[] xr = new float[d];
        int checked = 0;
        try (NpyDataset ds = NpyDataset.open(x)) {
            for (List<Object> tok : toks) {
                long row = Long.parseLong(((String) tok.get(0)).replaceAll(".*\\(row (\\d+),.*", "$1"));
                ds.readRows(row, 1, xr, 0);
                float want = enc.encode(xr).toDense(n)[j];
                assertThat(((Number) tok.get(1)).floatValue()).as("row %d", row).isCloseTo(want,
                        org.assertj.core.data.Offset.offset(Math.abs(want) * 1e-3f + 1e-6f));
                assertThat(tok.get(2)).as("row %d shaded", row).isEqualTo(want > 0);
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(10);
        // The activation histogram counts every firing row once.
        assertThat(browser.eval("[...document.querySelectorAll('#acthist .bar title')]"
                + ".reduce((a, e) => a + Number(e.textContent.split(' ')[0]), 0)")).isEqualTo(f.latentStats()[j * 4]
                == 0 ? 0L : (long) f.latentStats()[j * 4]);
        // Clicking an interval sample picks its bar in the histogram, and the bar the sample's line.
        long samples = (Long) browser.eval("document.querySelectorAll('#samples .ctx').length");
        assertThat(samples).isGreaterThanOrEqualTo(2L);
        browser.click("#samples .ctx:nth-child(2)");
        String bin = (String) browser.eval("document.querySelectorAll('#samples .ctx')[1].dataset.bin");
        assertThat(browser.eval("[...document.querySelectorAll('#acthist .bar.picked')].map(b => b.dataset.bin)"))
                .isEqualTo(List.of(bin));
        assertThat(browser.eval("document.querySelectorAll('#samples .ctx.picked').length")).isEqualTo(1L);
        // Each sample's row lies in its interval.
        @SuppressWarnings("unchecked")
        List<List<Object>> iv = (List<List<Object>>) browser.eval("[...document.querySelectorAll('#samples .ctx')]"
                + ".map(l => [Number(l.querySelector('.act').textContent), l.querySelector('.iv').textContent])");
        for (List<Object> s : iv) {
            double v = ((Number) s.get(0)).doubleValue();
            String[] edges = ((String) s.get(1)).replaceAll("[\\[\\)]", "").split(", ");
            assertThat(v).isGreaterThanOrEqualTo(Double.parseDouble(edges[0]) * 0.999);
            if (!edges[1].equals("∞")) {
                assertThat(v).isLessThan(Double.parseDouble(edges[1]) * 1.001);
            }
        }
        assertThat(browser.errors()).isEmpty();
    }

    @Test
    void byteLevelBpeTokensAreDecodedAsUtf8() throws Exception {
        // GPT-2's byte alphabet: "\u0120" is a space, "\u010a" a newline, "\u00c3\u00a9" the two bytes of é
        String[] doc = {"\u0120the", "\u0120caf", "\u00c3", "\u00a9", "\u010a", "\u0120end", "\u0120of", "\u0120it", "."};
        FeatureData f = withTokens(r -> doc[r % 9], 8, false);
        browser.open(page(f), READY);
        String all = (String) browser.eval("[...document.querySelectorAll('#contexts .ctx .text')]"
                + ".map(e => { const c = e.cloneNode(true); c.querySelectorAll('sub').forEach(x => x.remove());"
                + " return c.textContent; }).join('|')");
        assertThat(all).contains("the café\u23ce end of it.").doesNotContain("\u0120").doesNotContain("\u00c3");
        assertThat(browser.errors()).isEmpty();
    }
}
