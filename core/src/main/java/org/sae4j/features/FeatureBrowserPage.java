package org.sae4j.features;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.sae4j.io.AtomicFiles;
import org.sae4j.io.json.Json;

/**
 * The feature browser: one self-contained HTML page (inline CSS, JS and SVG; nothing fetched, opens from
 * {@code file://}) rendered from {@link FeatureData} alone. The data is embedded once as JSON in a
 * {@code <script type="application/json">}; the script draws the log10 feature-density histogram, a virtualised
 * latent table (only the visible rows are in the DOM, so 16k latents scroll smoothly) and the chosen latent's top
 * contexts and nearest latents on demand.
 */
public final class FeatureBrowserPage {
    public static final String FILE = "index.html";
    private static final MathContext FOUR = new MathContext(4);

    private FeatureBrowserPage() {
    }

    public static void write(Path file, FeatureData f) throws IOException {
        AtomicFiles.writeString(file, render(f));
    }

    public static String render(FeatureData f) {
        String title = "sae4j features: " + f.info().getOrDefault("model", "model") + " on "
                + f.info().getOrDefault("data", "data");
        return TEMPLATE.replace("@TITLE@", esc(title)).replace("@DATA@", json(f));
    }

    /** The embedded data: columnar arrays, numbers shortened to 4 significant digits where only shown. */
    static String json(FeatureData f) {
        int n = f.latents();
        StringBuilder b = new StringBuilder(64 * n + 4096);
        b.append("{\"info\":").append(Json.write(f.info()));
        b.append(",\"n\":").append(n).append(",\"topN\":").append(f.topN()).append(",\"nk\":").append(f.nearestK());
        latentColumns(b, f);
        int t = f.topN();
        array(b, "tv", n * t, q -> f.topRows()[q] < 0 ? "0" : g4(f.topValues()[q]));
        array(b, "tr", n * t, q -> Long.toString(f.topRows()[q]));
        array(b, "nn", n * f.nearestK(), q -> Integer.toString(f.nearest()[q]));
        array(b, "nc", n * f.nearestK(), q -> f.nearest()[q] < 0 ? "0" : g4(f.nearestCosines()[q]));
        if (f.distribution() != null) {
            distribution(b, f.distribution(), n);
        }
        FeatureData.Shading sh = f.shading();
        if (sh != null) {
            b.append(",\"cvw\":").append(sh.width()).append(",\"cvper\":").append(f.shownPerLatent());
            array(b, "cv", sh.values().length, q -> g4(sh.values()[q]));
        }
        contexts(b, f.contexts());
        b.append('}');
        // Inside <script>, "</script" would end the element: '<' goes as its JSON escape.
        return b.toString().replace("<", "\\u003c");
    }

    /** Count, frequency, mean and max per latent, and each shown column's rank of every latent. */
    private static void latentColumns(StringBuilder b, FeatureData f) {
        int n = f.latents();
        double[] s = f.latentStats();
        array(b, "count", n, j -> Long.toString((long) s[j * 4]));
        array(b, "freq", n, j -> g4(s[j * 4 + 1]));
        array(b, "mean", n, j -> g4(s[j * 4 + 2]));
        array(b, "max", n, j -> g4(s[j * 4 + 3]));
        // Shown at 4 digits, sorted at full precision: each column's rank of every latent (ties by latent number).
        String[] ranked = {"freq", "mean", "max"};
        for (int c = 0; c < ranked.length; c++) {
            int col = c + 1;
            Integer[] ids = new Integer[n];
            for (int j = 0; j < n; j++) {
                ids[j] = j;
            }
            java.util.Arrays.sort(ids, (x, y) -> {
                int byValue = Double.compare(s[x * 4 + col], s[y * 4 + col]);
                return byValue != 0 ? byValue : Integer.compare(x, y);
            });
            int[] rank = new int[n];
            for (int r = 0; r < n; r++) {
                rank[ids[r]] = r;
            }
            array(b, "rank_" + ranked[c], n, j -> Integer.toString(rank[j]));
        }
    }

    /** The activation histograms, sparse (each latent's bins from its first to its last non-empty one), and samples. */
    private static void distribution(StringBuilder b, FeatureData.Distribution h, int n) {
        int bins = FeatureStats.BINS;
        int[] lo = new int[n];
        int[] off = new int[n + 1];
        StringBuilder counts = new StringBuilder();
        for (int j = 0; j < n; j++) {
            int a = 0;
            int z = bins - 1;
            while (a < bins && h.histogram()[j * bins + a] == 0) {
                a++;
            }
            while (z >= a && h.histogram()[j * bins + z] == 0) {
                z--;
            }
            lo[j] = a < bins ? a : -1;
            off[j + 1] = off[j] + Math.max(0, z - a + 1);
            for (int q = a; q <= z; q++) {
                counts.append(counts.length() == 0 ? "" : ",").append(h.histogram()[j * bins + q]);
            }
        }
        b.append(",\"bins\":{\"per_octave\":").append(FeatureStats.PER_OCTAVE).append(",\"lowest_exp\":")
                .append(FeatureStats.LOWEST_EXP).append(",\"count\":").append(bins).append('}');
        array(b, "hlo", n, j -> Integer.toString(lo[j]));
        array(b, "hoff", n + 1, j -> Integer.toString(off[j]));
        b.append(",\"hc\":[").append(counts).append(']');
        int S = FeatureData.SAMPLES;
        b.append(",\"ns\":").append(S);
        array(b, "sr", n * S, q -> Long.toString(h.sampleRows()[q]));
        array(b, "sv", n * S, q -> h.sampleRows()[q] < 0 ? "0" : g4(h.sampleValues()[q]));
        array(b, "sb", n * S, q -> Integer.toString(h.sampleBins()[q]));
    }

    /** The top rows' token contexts ({@code null} without a token file): a vocabulary, then one index per token. */
    private static void contexts(StringBuilder b, FeatureData.Contexts c) {
        if (c == null) {
            b.append(",\"ctx\":null");
            return;
        }
        Map<String, Integer> ids = new HashMap<>();
        StringBuilder vocab = new StringBuilder("[");
        int[] tok = new int[c.size()];
        for (int i = 0; i < c.size(); i++) {
            Integer id = ids.get(c.tokens()[i]);
            if (id == null) {
                id = ids.size();
                ids.put(c.tokens()[i], id);
                vocab.append(id == 0 ? "" : ",").append(Json.write(c.tokens()[i]));
            }
            tok[i] = id;
        }
        b.append(",\"ctx\":{\"vocab\":").append(vocab).append(']');
        array(b, "rows", c.size(), i -> Long.toString(c.rows()[i]));
        array(b, "doc", c.size(), i -> Long.toString(c.documents()[i]));
        array(b, "pos", c.size(), i -> Integer.toString(c.positions()[i]));
        array(b, "tok", c.size(), i -> Integer.toString(tok[i]));
        b.append('}');
    }

    private interface Item {
        String at(int i);
    }

    private static void array(StringBuilder b, String name, int len, Item item) {
        b.append(",\"").append(name).append("\":[");
        for (int i = 0; i < len; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(item.at(i));
        }
        b.append(']');
    }

    static String g4(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return "0";
        }
        String s = new BigDecimal(v).round(FOUR).stripTrailingZeros().toString();
        return s.endsWith("E+0") ? s.substring(0, s.length() - 3) : s;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static final String TEMPLATE = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>@TITLE@</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>
            body{font:14px system-ui,sans-serif;margin:20px;color:#222;background:#fff}
            h1{font-size:19px;margin:0 0 8px}h2{font-size:16px;margin:14px 0 6px}
            .sub{color:#555;margin-bottom:12px;word-break:break-all}
            .summary{border-collapse:collapse;margin:6px 0 14px}
            .summary td,.summary th{padding:3px 14px 3px 0;text-align:left}
            .summary th{font-weight:600;color:#444}.summary td{font-family:ui-monospace,monospace}
            .layout{display:flex;flex-wrap:wrap;gap:20px;align-items:flex-start}
            .left{flex:0 0 540px;min-width:0}.right{flex:1 1 420px;min-width:320px}
            svg{background:#fafafa;border:1px solid #ddd}
            .bar{fill:#4a7bd0}.bar.dense{fill:#d0704a}
            #search{width:100%;box-sizing:border-box;padding:5px 8px;font:inherit;margin:4px 0 6px}
            .thead,.row{display:grid;grid-template-columns:70px 110px 90px 100px 100px;align-items:center}
            .thead{font-weight:600;border-bottom:1px solid #bbb;user-select:none}
            .thead div{cursor:pointer;padding:4px 6px}.thead div.sorted::after{content:attr(data-dir);color:#888}
            #viewport{height:440px;overflow-y:auto;position:relative;border:1px solid #ddd;border-top:0}
            #spacer{position:relative}
            .row{position:absolute;left:0;right:0;height:22px;cursor:pointer;font-family:ui-monospace,monospace;
              font-size:12.5px}
            .row div{padding:0 6px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
            .row:nth-child(odd){background:#f6f8fb}.row:hover{background:#e8effa}.row.sel{background:#cfe0fb}
            .row.dead{color:#999}
            .muted{color:#777}.count{color:#555;font-size:12.5px;margin-top:4px}
            #detail h2{margin-top:16px}#detail h2:first-child{margin-top:0}
            .ctx{font-family:ui-monospace,monospace;font-size:12.5px;padding:4px 6px;border-bottom:1px solid #eee;
              display:flex;gap:10px}
            .ctx .act{flex:0 0 64px;text-align:right;color:#333}.ctx .text{flex:1;white-space:pre-wrap;
              word-break:break-word}
            .tok{border-radius:2px}.fire{outline:2px solid #e07b00;font-weight:700;padding:0 2px}
            .samples .ctx{cursor:pointer}.samples .ctx .iv{flex:0 0 120px;color:#666}.ctx.picked{background:#fff3d6}
            #acthist .bar{fill:#9fb6d8}#acthist .bar.sampled{fill:#4c78c0;cursor:pointer}#acthist .bar.picked{fill:#e07b00}
            .fire sub{font-weight:400;color:#623;font-size:10px;margin-left:2px}
            .nn{display:flex;flex-wrap:wrap;gap:4px 14px}.nn a{white-space:nowrap}a{color:#1f5fbf;cursor:pointer;text-decoration:none}
            a:hover{text-decoration:underline}
            </style></head><body>
            <h1>Feature browser</h1>
            <div class="sub" id="source"></div>
            <table class="summary" id="summary"></table>
            <div class="sub" id="splice-title"></div>
            <table class="summary" id="splice"></table>
            <div class="layout">
            <div class="left">
            <h2>Feature density</h2>
            <div id="histogram"></div>
            <h2>Latents</h2>
            <input id="search" type="search" placeholder='latent number, a firing token, or "text" in contexts'>
            <div class="thead" id="thead"><div data-key="id">latent</div><div data-key="freq">frequency</div>
            <div data-key="count">rows</div><div data-key="mean">mean act</div><div data-key="max">max act</div></div>
            <div id="viewport"><div id="spacer"></div></div>
            <div class="count" id="shown"></div>
            </div>
            <div class="right" id="detail"></div>
            </div>
            <script type="application/json" id="feature-data">@DATA@</script>
            <script>
            "use strict";
            (function () {
            const t0 = performance.now();
            const D = JSON.parse(document.getElementById("feature-data").textContent);
            const I = D.info, N = D.n, ROW_H = 22;
            const fmt = v => v === 0 ? "0" : (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(2)
              : v.toPrecision(4).replace(/\\.?0+$/, ""));
            const pct = v => (100 * v).toPrecision(3).replace(/\\.?0+$/, "") + " %";
            const el = (tag, attrs, text) => { const e = document.createElement(tag);
              for (const k in attrs || {}) e.setAttribute(k, attrs[k]); if (text != null) e.textContent = text; return e; };
            document.getElementById("source").textContent = I.model + " on " + I.data + (I.tokens ? ", tokens "
              + I.tokens : "") + " — " + I.activation + (I.k != null ? " k=" + I.k : "");

            // Summary table.
            const sum = document.getElementById("summary");
            const cells = [["rows", String(I.rows)], ["latents", String(N)], ["dim", String(I.dim)],
              ["R²", I.r2.toFixed(4)], ["explained variance", I.explained_variance.toFixed(4)], ["MSE", fmt(I.mse)],
              ["L0", I.l0.toFixed(2)], ["dead", I.dead + " (" + pct(I.dead / N) + ")"],
              ["dense (> " + pct(I.dense_threshold) + " of rows)", I.dense + " (" + pct(I.dense / N) + ")"]];
            const hr = el("tr"), dr = el("tr");
            for (const [k, v] of cells) { hr.appendChild(el("th", {}, k)); dr.appendChild(el("td", {}, v)); }
            sum.appendChild(hr); sum.appendChild(dr);

            // Downstream fidelity from features --splice (sae4j splice --json), when given.
            if (I.splice && I.splice.measures) {
              const S = I.splice, num = v => v == null ? "n/a" : Number(v).toFixed(4);
              document.getElementById("splice-title").textContent = "Spliced into " + S.onnx + " at " + S.hook
                + ", measured at " + S.output + " (" + S.documents + " documents, special tokens " + S.special_tokens
                + "); recovered = (m_ablation − m_sae) / (m_ablation − m_clean)";
              const st = document.getElementById("splice"), h = el("tr");
              for (const k of ["measure", "clean", "SAE", "zero", "mean", "recovered vs zero", "recovered vs mean"])
                h.appendChild(el("th", {}, k));
              st.appendChild(h);
              for (const name in S.measures) {
                const m = S.measures[name], r = el("tr");
                for (const v of [name, num(m.clean), num(m.sae), num(m.zero), num(m.mean), num(m.recovered_vs_zero),
                    num(m.recovered_vs_mean)]) r.appendChild(el("td", {}, v));
                st.appendChild(r);
              }
            }

            // Histogram of log10 frequency over the latents that fire at least once.
            (function histogram() {
              const W = 520, H = 210, L = 44, R = 12, T = 26, B = 40, pw = W - L - R, ph = H - T - B;
              const logs = []; for (let j = 0; j < N; j++) if (D.freq[j] > 0) logs.push(Math.log10(D.freq[j]));
              const NS = "http://www.w3.org/2000/svg";
              const svg = document.createElementNS(NS, "svg");
              svg.setAttribute("width", W); svg.setAttribute("height", H); svg.setAttribute("viewBox", "0 0 " + W + " " + H);
              svg.setAttribute("role", "img"); svg.setAttribute("aria-label", "log10 feature density histogram");
              const add = (tag, a, text) => { const e = document.createElementNS(NS, tag);
                for (const k in a) e.setAttribute(k, a[k]); if (text != null) e.textContent = text; svg.appendChild(e); return e; };
              let least = Math.log10(I.dense_threshold); for (const v of logs) if (v < least) least = v;
              const lo = Math.floor(least - 1e-9);
              const hi = 0, bins = Math.max(10, Math.min(60, Math.round((hi - lo) * 12)));
              const counts = new Array(bins).fill(0), w = (hi - lo) / bins;
              for (const v of logs) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / w)))]++;
              const top = Math.max(1, ...counts), xs = v => L + pw * (v - lo) / (hi - lo);
              add("rect", {x: L, y: T, width: pw, height: ph, fill: "#fff", stroke: "#999"});
              const dlog = Math.log10(I.dense_threshold);
              // A floor of 3 px: a bin of a few dense latents beside one of thousands must still show.
              counts.forEach((c, i) => { if (!c) return; const h = Math.max(3, ph * c / top);
                const r = add("rect", {x: (xs(lo + i * w) + 0.5).toFixed(1), y: (T + ph - h).toFixed(1),
                  width: Math.max(1, pw / bins - 1).toFixed(1), height: h.toFixed(1),
                  "class": lo + (i + 0.5) * w > dlog ? "bar dense" : "bar"});
                const tt = document.createElementNS(NS, "title"); tt.textContent = c + " latents, frequency 10^"
                  + (lo + i * w).toFixed(2) + " .. 10^" + (lo + (i + 1) * w).toFixed(2); r.appendChild(tt); });
              for (let e = Math.ceil(lo); e <= hi; e++) { add("line", {x1: xs(e), x2: xs(e), y1: T + ph, y2: T + ph + 4, stroke: "#555"});
                add("text", {x: xs(e), y: T + ph + 16, "font-size": 11, "text-anchor": "middle"}, e === 0 ? "1" : "1e" + e); }
              add("text", {x: L + pw / 2, y: H - 6, "font-size": 11, "text-anchor": "middle"},
                "fraction of rows where the latent fires (log10)");
              add("text", {x: L - 6, y: T + 8, "font-size": 11, "text-anchor": "end"}, String(top));
              add("text", {x: L - 6, y: T + ph, "font-size": 11, "text-anchor": "end"}, "0");
              add("line", {x1: xs(dlog), x2: xs(dlog), y1: T, y2: T + ph, stroke: "#d0704a", "stroke-dasharray": "4 3"});
              add("text", {x: xs(dlog), y: T - 4, "font-size": 11, "text-anchor": "middle", fill: "#a04820",
                id: "dense-label"}, "dense (> " + pct(I.dense_threshold) + "): " + I.dense);
              add("text", {x: L, y: 14, "font-size": 12, id: "dead-label"}, "dead (never fired): " + I.dead + " of " + N
                + "   ·   alive: " + logs.length);
              document.getElementById("histogram").appendChild(svg);
            })();

            // Latent table: sorted, filtered, and virtualised (only the visible rows exist).
            const vp = document.getElementById("viewport"), spacer = document.getElementById("spacer");
            let order = [], sortKey = "freq", sortDir = -1, selected = -1, tokenIndex = null;
            const key = (k, j) => k === "id" ? j : D["rank_" + k] ? D["rank_" + k][j] : D[k][j];
            // A word piece's marker is not part of the word a user types: ##ing, Ġthe and ▁the match ing and the.
            const bare = t => t.toLowerCase().replace(/^(##|\u0120|\u2581)/, "");
            function firingTokens(j) {
              if (!D.ctx) return "";
              if (!tokenIndex) tokenIndex = new Array(N);
              if (tokenIndex[j] == null) { let s = [];
                for (let q = 0; q < D.topN; q++) { const r = D.tr[j * D.topN + q]; if (r < 0) break;
                  const i = ctxIndex(r); if (i >= 0) s.push(bare(D.ctx.vocab[D.ctx.tok[i]])); }
                tokenIndex[j] = "\\n" + s.join("\\n") + "\\n"; }
              return tokenIndex[j];
            }
            let textIndex = null;
            function contextText(j) { // the top activations' context windows, detokenised as shown
              if (!D.ctx) return "";
              if (!textIndex) textIndex = new Array(N);
              if (textIndex[j] == null) { const parts = [];
                for (let q = 0; q < D.topN; q++) { const r = D.tr[j * D.topN + q]; if (r < 0) break;
                  const [a, b] = windowOf(ctxIndex(r)); let line = "";
                  for (const [x, sp] of pieces(a, b)) line += (sp ? " " : "") + x;
                  parts.push(line.toLowerCase()); }
                textIndex[j] = parts.join("\\n"); }
              return textIndex[j];
            }
            function matches(j, q) { // a number: latent ids; "text": context text; else an exact firing token
              if (/^\\d+$/.test(q)) return String(j).startsWith(q);
              const quoted = /^"([^"]+)"?$/.exec(q);
              if (quoted) return contextText(j).includes(quoted[1]);
              return firingTokens(j).includes("\\n" + bare(q) + "\\n");
            }
            function refilter() {
              const q = document.getElementById("search").value.trim().toLowerCase();
              order = [];
              for (let j = 0; j < N; j++) {
                if (q === "" || matches(j, q)) order.push(j);
              }
              order.sort((a, b) => (key(sortKey, a) - key(sortKey, b)) * sortDir || a - b);
              spacer.style.height = order.length * ROW_H + "px";
              document.getElementById("shown").textContent = order.length + " of " + N + " latents" +
                (q && !/^\\d+$/.test(q) && !D.ctx ? " (token search needs --tokens)" : "");
              for (const h of document.querySelectorAll("#thead div")) {
                h.classList.toggle("sorted", h.dataset.key === sortKey); h.dataset.dir = sortDir < 0 ? " ▼" : " ▲"; }
              draw(true);
            }
            let drawn = "";
            function draw(force) {
              const first = Math.max(0, Math.floor(vp.scrollTop / ROW_H) - 5);
              const last = Math.min(order.length, Math.ceil((vp.scrollTop + vp.clientHeight) / ROW_H) + 5);
              const sig = first + ":" + last + ":" + selected;
              if (!force && sig === drawn) return; drawn = sig;
              spacer.textContent = "";
              for (let i = first; i < last; i++) {
                const j = order[i], r = el("div", {"class": "row" + (j === selected ? " sel" : "") +
                  (D.count[j] === 0 ? " dead" : ""), "data-latent": j});
                r.style.top = i * ROW_H + "px";
                for (const t of [String(j), D.count[j] ? fmt(D.freq[j]) : "dead", String(D.count[j]),
                  fmt(D.mean[j]), fmt(D.max[j])]) r.appendChild(el("div", {}, t));
                spacer.appendChild(r);
              }
            }
            vp.addEventListener("scroll", () => draw(false));
            spacer.addEventListener("click", e => { const r = e.target.closest(".row");
              if (r) go(Number(r.dataset.latent)); });
            document.getElementById("thead").addEventListener("click", e => { const k = e.target.dataset.key;
              if (!k) return; sortDir = k === sortKey ? -sortDir : (k === "id" ? 1 : -1); sortKey = k; refilter(); });
            document.getElementById("search").addEventListener("input", refilter);

            // Contexts: binary search of a row among the embedded token lines.
            function ctxIndex(r) {
              const a = D.ctx.rows; let lo = 0, hi = a.length - 1;
              while (lo <= hi) { const m = (lo + hi) >> 1; if (a[m] === r) return m; if (a[m] < r) lo = m + 1; else hi = m - 1; }
              return -1;
            }
            function windowOf(i) { // the embedded tokens of row i's document within I.context either side
              if (i < 0) return [0, -1];
              const C = I.context, doc = D.ctx.doc[i];
              let a = i, b = i;
              while (a > 0 && i - a < C && D.ctx.rows[a - 1] === D.ctx.rows[a] - 1 && D.ctx.doc[a - 1] === doc) a--;
              while (b < D.ctx.rows.length - 1 && b - i < C && D.ctx.rows[b + 1] === D.ctx.rows[b] + 1 && D.ctx.doc[b + 1] === doc) b++;
              return [a, b];
            }
            // Word pieces joined as the tokenizers' decoders join them: WordPiece "##" continues a word, GPT-2's
            // "Ġ" and SentencePiece's "▁" start one; BERT's clean-up drops the space before . , ? ! and
            // around an apostrophe.
            // GPT-2-style byte-level BPE shows each byte as one printable character (bytes_to_unicode: 33-126,
            // 161-172 and 174-255 stand for themselves, the other bytes for 256, 257, ...): map the characters back
            // to bytes and decode the window's UTF-8 as one stream, so a character split across tokens comes out
            // whole (with the token that completes it).
            const BYTE_OF = (() => { const m = new Map(); let extra = 0;
              for (let b = 0; b < 256; b++) { const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
                m.set(String.fromCharCode(printable ? b : 256 + extra++), b); }
              return m; })();
            const byteLevel = !!D.ctx && D.ctx.vocab.some(t => t.charAt(0) === "\u0120");
            // The shown text of rows a..b: [text, space before] per token.
            function pieces(a, b) {
              const out = [];
              if (byteLevel) {
                const dec = new TextDecoder("utf-8");
                for (let i = a; i <= b; i++) { const t = D.ctx.vocab[D.ctx.tok[i]], bytes = [...t].map(c => BYTE_OF.get(c));
                  if (bytes.some(x => x === undefined)) { out.push([t, i > a]); continue; } // a special token, as written
                  out.push([dec.decode(new Uint8Array(bytes), {stream: i < b}).replace(/\\n/g, "\u23ce"), false]); }
                return out;
              }
              let prev = null;
              for (let i = a; i <= b; i++) { const t = D.ctx.vocab[D.ctx.tok[i]]; out.push(spaced(t, prev)); prev = t; }
              return out;
            }
            function spaced(t, prev) {
              if (prev == null) return [t.replace(/^(##|Ġ|▁)/, ""), false];
              if (t.startsWith("##")) return [t.slice(2), false];
              if (t[0] === "Ġ" || t[0] === "▁") return [t.slice(1), true];
              return [t, !/^[.,?!']$/.test(t) && prev !== "'" && !/^(n't|'[a-z]+)$/.test(t)];
            }
            // Latent j's activation at row u in the context of its shown row r (slot q: top rows, then samples).
            function shade(j, q, r, u) {
              if (!D.cv || q < 0) return 0;
              const C = (D.cvw - 1) / 2, o = u - r + C;
              return o < 0 || o >= D.cvw ? 0 : D.cv[(j * D.cvper + q) * D.cvw + o];
            }
            function context(r, v, j, slot) {
              const box = el("span", {"class": "text"});
              const i = D.ctx ? ctxIndex(r) : -1;
              if (i < 0) { box.appendChild(el("span", {"class": "muted"}, "row ")); box.appendChild(el("span", {"class": "fire"}, String(r)));
                return box; }
              const [a, b] = windowOf(i);
              const shown = pieces(a, b);
              for (let q = a; q <= b; q++) {
                const raw = D.ctx.vocab[D.ctx.tok[q]], [text, space] = shown[q - a];
                if (space) box.appendChild(document.createTextNode(" "));
                const act = q === i ? v : shade(j, slot, r, D.ctx.rows[q]);
                const t = el("span", {"class": q === i ? "tok fire" : "tok", "data-act": act, title: raw + ": activation "
                  + fmt(act) + " (row " + D.ctx.rows[q] + ", document " + D.ctx.doc[q] + ", position " + D.ctx.pos[q] + ")"}, text);
                if (act > 0 && D.max[j] > 0) t.style.background = "rgba(255,140,0," + Math.min(1, 0.12 + 0.78 * act / D.max[j]).toFixed(3) + ")";
                if (q === i) t.appendChild(el("sub", {}, fmt(v)));
                box.appendChild(t);
              }
              return box;
            }
            // Bin b of the activation histogram: [2^(lowest + b/3), 2^(lowest + (b+1)/3)), the first from 0.
            const binLow = b => b === 0 ? 0 : Math.pow(2, D.bins.lowest_exp + b / D.bins.per_octave);
            const binHigh = b => b === D.bins.count - 1 ? Infinity : Math.pow(2, D.bins.lowest_exp + (b + 1) / D.bins.per_octave);
            function pick(b) {
              for (const e of document.querySelectorAll("#acthist .bar, #samples .ctx"))
                e.classList.toggle("picked", Number(e.dataset.bin) === b);
            }
            function activationHistogram(j) {
              const NS = "http://www.w3.org/2000/svg", W = 520, H = 150, L = 44, R = 12, T = 10, B = 34;
              const svg = document.createElementNS(NS, "svg"), pw = W - L - R, ph = H - T - B;
              svg.setAttribute("width", W); svg.setAttribute("height", H); svg.setAttribute("id", "acthist");
              svg.setAttribute("role", "img"); svg.setAttribute("aria-label", "activation histogram of latent " + j);
              const add = (tag, a, text) => { const e = document.createElementNS(NS, tag);
                for (const k in a) e.setAttribute(k, a[k]); if (text != null) e.textContent = text; svg.appendChild(e); return e; };
              const lo = D.hlo[j], len = D.hoff[j + 1] - D.hoff[j];
              const counts = D.hc.slice(D.hoff[j], D.hoff[j + 1]), top = Math.max(1, ...counts), bw = pw / Math.max(len, 1);
              const sampled = new Set(); for (let q = 0; q < D.ns; q++) if (D.sb[j * D.ns + q] >= 0) sampled.add(D.sb[j * D.ns + q]);
              add("rect", {x: L, y: T, width: pw, height: ph, fill: "#fff", stroke: "#999"});
              counts.forEach((c, i) => { if (!c) return; const b = lo + i, h = Math.max(3, ph * c / top);
                const r = add("rect", {x: (L + i * bw + 0.5).toFixed(1), y: (T + ph - h).toFixed(1), width: Math.max(1, bw - 1).toFixed(1),
                  height: h.toFixed(1), "class": sampled.has(b) ? "bar sampled" : "bar", "data-bin": b});
                const tt = document.createElementNS(NS, "title"); tt.textContent = c + " rows with activation in ["
                  + fmt(binLow(b)) + ", " + (binHigh(b) === Infinity ? "∞" : fmt(binHigh(b))) + ")"; r.appendChild(tt);
                if (sampled.has(b)) r.addEventListener("click", () => pick(b)); });
              for (let i = 0; i <= len; i += Math.max(1, Math.ceil(len / 6))) {
                add("text", {x: L + i * bw, y: T + ph + 14, "font-size": 11, "text-anchor": "middle"}, fmt(binLow(lo + i))); }
              add("text", {x: L + pw / 2, y: H - 4, "font-size": 11, "text-anchor": "middle"}, "activation (log scale, "
                + D.bins.per_octave + " bins per doubling); dark bars hold an interval sample");
              add("text", {x: L - 6, y: T + 9, "font-size": 11, "text-anchor": "end"}, String(top));
              return svg;
            }
            // A click is a navigation: the hash changes (so Back steps through latents) and hashchange selects.
            function go(j) {
              select(j); // at once; the hashchange that follows selects the same latent again
              if (location.hash !== "#latent=" + j) location.hash = "latent=" + j;
            }
            function fromHash() {
              const m = /^#latent=(.*)$/.exec(location.hash);
              if (!m) return false;
              select(/^\\d+$/.test(m[1]) ? Number(m[1]) : NaN, decodeURIComponent(m[1]));
              return true;
            }
            window.addEventListener("hashchange", fromHash);
            function select(j, asked) {
              const d = document.getElementById("detail"); d.textContent = "";
              if (!(j >= 0 && j < N)) { // an unknown latent says so instead of showing another
                selected = -1; draw(true);
                d.appendChild(el("h2", {id: "detail-title"}, "No latent " + (asked != null ? asked : j)));
                d.appendChild(el("div", {"class": "muted", id: "unknown"}, "this model has latents 0 to " + (N - 1)));
                return;
              }
              selected = j;
              const pos = order.indexOf(j); // keep the chosen row in view
              if (pos >= 0 && (pos * ROW_H < vp.scrollTop || (pos + 1) * ROW_H > vp.scrollTop + vp.clientHeight))
                vp.scrollTop = Math.max(0, pos * ROW_H - 2 * ROW_H);
              draw(true);
              d.appendChild(el("h2", {id: "detail-title"}, "Latent " + j));
              d.appendChild(el("div", {"class": "muted"}, D.count[j] === 0 ? "dead: never fired on these rows"
                : "fires on " + D.count[j] + " of " + I.rows + " rows (" + pct(D.freq[j]) + "), mean activation "
                + fmt(D.mean[j]) + ", max " + fmt(D.max[j])));
              d.appendChild(el("h2", {}, "Top " + D.topN + " activations" + (D.ctx ? " in context" : " (row numbers; pass --tokens for text)")));
              const list = el("div", {id: "contexts"});
              for (let q = 0; q < D.topN; q++) {
                const r = D.tr[j * D.topN + q]; if (r < 0) break;
                const line = el("div", {"class": "ctx"});
                line.appendChild(el("span", {"class": "act"}, fmt(D.tv[j * D.topN + q])));
                line.appendChild(context(r, D.tv[j * D.topN + q], j, q));
                list.appendChild(line);
              }
              if (!list.children.length) list.appendChild(el("div", {"class": "muted"}, "no activations"));
              d.appendChild(list);
              if (D.hlo && D.hlo[j] >= 0) {
                d.appendChild(el("h2", {}, "Activation histogram"));
                d.appendChild(activationHistogram(j));
                d.appendChild(el("h2", {}, "Interval samples (one row drawn from the bin of each count quantile 90, 70, 50, 30, 10 %)"));
                const sl = el("div", {id: "samples", "class": "samples"});
                for (let q = 0; q < D.ns; q++) {
                  const r = D.sr[j * D.ns + q], b = D.sb[j * D.ns + q]; if (r < 0) break;
                  const line = el("div", {"class": "ctx", "data-bin": b});
                  line.appendChild(el("span", {"class": "act"}, fmt(D.sv[j * D.ns + q])));
                  line.appendChild(el("span", {"class": "iv"}, "[" + fmt(binLow(b)) + ", " + (binHigh(b) === Infinity ? "∞" : fmt(binHigh(b))) + ")"));
                  line.appendChild(context(r, D.sv[j * D.ns + q], j, D.topN + q));
                  line.addEventListener("click", () => pick(b));
                  sl.appendChild(line);
                }
                d.appendChild(sl);
              }
              d.appendChild(el("h2", {}, "Nearest latents (decoder cosine)"));
              const nn = el("div", {"class": "nn", id: "nearest"});
              for (let q = 0; q < D.nk; q++) { const o = D.nn[j * D.nk + q]; if (o < 0) break;
                const a = el("a", {"data-latent": o}, o + " (" + D.nc[j * D.nk + q].toFixed(3) + ")");
                a.addEventListener("click", () => go(o)); nn.appendChild(a); }
              d.appendChild(nn);
            }
            refilter();
            if (!fromHash()) select(order.length ? order[0] : 0);
            document.body.dataset.renderMs = Math.round(performance.now() - t0);
            document.body.dataset.ready = "true";
            })();
            </script>
            </body></html>
            """;
}
