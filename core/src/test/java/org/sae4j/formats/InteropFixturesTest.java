package org.sae4j.formats;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.encode.SparseCode;
import org.sae4j.io.npy.NpyFile;
import org.sae4j.model.Sae;

/**
 * Every imported fixture (written by {@code src/tools/interop_fixtures.py} from each library's forward pass) gives
 * the library's codes and reconstructions through all three forward paths: {@link SaeEncoder} single vectors and
 * batches, and dense batches (what eval and encode --dense use).
 *
 * <p>Which latents fire must match exactly: the fixture rows keep every decision (zero, a threshold, the k-th
 * value) at least 2e-3 from its boundary, far above float32 rounding, and the edge rows that sit exactly on a
 * JumpReLU threshold use dyadic weights whose pre-activations are exact in any summation order. Values are compared
 * with |Δ| ≤ 2e-4 + 1e-4·|expected|: the expectation is float64 arithmetic on the stored parameters, sae4j runs in
 * float32 with dot products of 16 terms of order 1 (error ≲ 16·2⁻²⁴·Σ|terms| ≈ 1e-5), reconstructions sum up to 64
 * atoms, and gated/rescaled models compute the same products in another order (exp(r_mag), ‖W_dec‖ folded).
 */
class InteropFixturesTest {
    static final double ATOL = 2e-4;
    static final double RTOL = 1e-4;

    static Path fixture(String name) {
        try {
            return Path.of(InteropFixturesTest.class.getResource("/interop/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static float[] npy(Path p) throws IOException {
        try (NpyFile f = NpyFile.open(p)) {
            return f.readAll();
        }
    }

    static ImportOptions optionsFor(String name) {
        return name.equals("saelens-expavg") ? new ImportOptions(null, null, 0.25) : ImportOptions.DEFAULT;
    }

    @ParameterizedTest
    @ValueSource(strings = {"saelens-standard", "saelens-standard-nobdec", "saelens-jumprelu", "saelens-topk",
            "saelens-topk-bf16", "saelens-topk-rescale-checkpoint", "saelens-gated-f16", "saelens-constnorm-f64",
            "saelens-layernorm", "saelens-expavg", "saelens-topk-v5", "sparsify-topk", "sparsify-old-bf16",
            "sparsify-groupmax", "gemmascope"})
    void importedModelGivesTheLibrarysCodesAndReconstructions(String name) throws IOException {
        Path dir = fixture(name);
        LoadedModel m = ModelFormats.load(dir, optionsFor(name));
        assertThat(m.format().id()).isEqualTo(name.startsWith("saelens") ? "saelens"
                : name.startsWith("sparsify") ? "sparsify" : "gemmascope");
        checkAgainstFixture(m.sae(), dir, name);
        // ModelFormats.loadEncoder reaches the same model through the detector.
        SaeEncoder viaLoad = ModelFormats.loadEncoder(dir, optionsFor(name));
        assertThat(viaLoad.latents()).isEqualTo(m.sae().latents());
    }

    /**
     * The screened modes bound plain pre-activations: a model with an imported forward rule (row normalisation,
     * gate, thresholds compared as stored) must still give exactly the float32 codes in an exact mode, and the
     * approximate modes, which would skip the rule, refuse it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"saelens-layernorm", "saelens-gated-f16", "gemmascope", "saelens-topk"})
    void screenedModesGiveTheFloat32CodesOfImportedModels(String name) throws IOException {
        Path dir = fixture(name);
        SaeEncoder exact = ModelFormats.loadEncoder(dir, optionsFor(name), org.sae4j.encode.EncoderMode.FLOAT32);
        float[] x = npy(dir.resolve("inputs.npy"));
        int d = exact.dim();
        for (org.sae4j.encode.EncoderMode mode : List.of(org.sae4j.encode.EncoderMode.BF16, org.sae4j.encode.EncoderMode.INT8)) {
            SaeEncoder screened = ModelFormats.loadEncoder(dir, optionsFor(name), mode);
            for (int r = 0; r < x.length / d; r++) {
                float[] row = java.util.Arrays.copyOfRange(x, r * d, (r + 1) * d);
                SparseCode a = exact.encode(row);
                SparseCode b = screened.encode(row);
                assertThat(b.indices()).as(name + " " + mode + " row " + r).isEqualTo(a.indices());
                for (int q = 0; q < a.size(); q++) {
                    assertThat(Float.floatToIntBits(b.value(q))).as(name + " " + mode + " row " + r)
                            .isEqualTo(Float.floatToIntBits(a.value(q)));
                }
            }
        }
        LoadedModel m = ModelFormats.load(dir, optionsFor(name));
        if (m.sae().rule() != null) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> ModelFormats.loadEncoder(dir, optionsFor(name), org.sae4j.encode.EncoderMode.INT8_APPROX))
                    .isInstanceOf(org.sae4j.BadInputException.class).hasMessageContaining("forward rule");
        }
    }

    /**
     * A transcoder fixture's codes through the three encoder paths, and its outputs (width d_out, with the skip path)
     * through {@link Sae#forward}, {@link Sae#decode(float[], float[], int)} of the encoder's dense codes,
     * {@link SaeEncoder#reconstruct} and {@link SaeEncoder#decodeDense(float[], float[], int, float[])}:
     * {@code recon.npy} holds the library's output for each input row.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sparsify-transcoder", "sparsify-skip-transcoder", "saelens-transcoder",
            "saelens-skip-transcoder", "saelens-jumprelu-transcoder"})
    void importedTranscoderGivesTheLibrarysCodesAndOutputs(String name) throws IOException {
        Path dir = fixture(name);
        LoadedModel m = ModelFormats.load(dir);
        Sae sae = m.sae();
        assertThat(m.format().id()).isEqualTo(name.startsWith("saelens") ? "saelens" : "sparsify");
        assertThat(sae.config().transcoder()).isNotNull();
        assertThat(sae.config().preEncoderBias()).isFalse();
        assertThat(sae.outDim()).isEqualTo(name.startsWith("saelens") ? 24 : 16);
        assertThat(sae.config().skip()).isEqualTo(name.contains("skip"));
        float[] x = npy(dir.resolve("inputs.npy"));
        float[] codes = npy(dir.resolve("codes.npy"));
        float[] out = npy(dir.resolve("recon.npy"));
        int d = sae.dim();
        int n = sae.latents();
        int dOut = sae.outDim();
        int rows = x.length / d;
        assertThat(out).hasSize(rows * dOut);
        SaeEncoder enc = SaeEncoder.of(sae);
        float[] dense = checkCodes(enc, x, codes, rows, d, n, name);
        Sae.Forward f = sae.forward(x, rows);
        float[] fromCodes = sae.decode(dense, x, rows);
        float[] encDense = new float[rows * dOut];
        enc.decodeDense(dense, x, rows, encDense);
        for (int r = 0; r < rows; r++) {
            float[] one = enc.reconstruct(java.util.Arrays.copyOfRange(x, r * d, (r + 1) * d));
            assertThat(one).hasSize(dOut);
            for (int i = 0; i < dOut; i++) {
                close(one[i], out[r * dOut + i], name + " row " + r + " SaeEncoder.reconstruct output " + i);
                close(encDense[r * dOut + i], out[r * dOut + i], name + " row " + r + " decodeDense output " + i);
            }
            for (int j = 0; j < n; j++) {
                close(f.codes()[r * n + j], codes[r * n + j], name + " row " + r + " forward latent " + j);
            }
            for (int i = 0; i < dOut; i++) {
                close(f.reconstruction()[r * dOut + i], out[r * dOut + i], name + " row " + r + " output " + i);
                close(fromCodes[r * dOut + i], out[r * dOut + i], name + " row " + r + " decode(z, x) output " + i);
            }
        }
        assertThat(ModelFormats.loadEncoder(dir).latents()).isEqualTo(n);
    }

    /**
     * {@code enc}'s codes of the {@code rows} rows of {@code x} against the fixture's, by the single-vector, batch
     * and dense paths: the same latents fire and values are close. Returns the dense codes.
     */
    static float[] checkCodes(SaeEncoder enc, float[] x, float[] codes, int rows, int d, int n, String name) {
        int[] bIdx = new int[rows * n];
        float[] bVal = new float[rows * n];
        enc.encode(x, rows, bIdx, bVal, n);
        float[] dense = new float[rows * n];
        enc.encodeDense(x, rows, dense);
        for (int r = 0; r < rows; r++) {
            float[] row = java.util.Arrays.copyOfRange(x, r * d, (r + 1) * d);
            String where = name + " row " + r;
            List<Integer> want = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                if (codes[r * n + j] != 0f) {
                    want.add(j);
                }
            }
            SparseCode c = enc.encode(row);
            assertThat(sorted(c.indices())).as(where + " single-vector indices").isEqualTo(want);
            for (int q = 0; q < c.size(); q++) {
                close(c.value(q), codes[r * n + c.index(q)], where + " latent " + c.index(q));
            }
            List<Integer> batch = new ArrayList<>();
            for (int q = r * n; q < (r + 1) * n && bIdx[q] >= 0; q++) {
                batch.add(bIdx[q]);
                close(bVal[q], codes[r * n + bIdx[q]], where + " batch latent " + bIdx[q]);
            }
            assertThat(sorted(batch)).as(where + " batch indices").isEqualTo(want);
            for (int j = 0; j < n; j++) {
                float z = dense[r * n + j];
                assertThat(z != 0f).as(where + " dense latent " + j).isEqualTo(codes[r * n + j] != 0f);
                close(z, codes[r * n + j], where + " dense latent " + j);
            }
        }
        return dense;
    }

    static void checkAgainstFixture(Sae sae, Path dir, String name) throws IOException {
        float[] x = npy(dir.resolve("inputs.npy"));
        float[] codes = npy(dir.resolve("codes.npy"));
        float[] recon = npy(dir.resolve("recon.npy"));
        int d = sae.dim();
        int n = sae.latents();
        int rows = x.length / d;
        assertThat(codes).hasSize(rows * n);
        SaeEncoder enc = SaeEncoder.of(sae);
        // Single-vector, batch (the GEMM with the selection in its epilogue) and dense paths.
        float[] dense = checkCodes(enc, x, codes, rows, d, n, name);
        // Dense decode: what eval and encode --dense run (eval undoes a row normalisation as below).
        float[] denseRecon = new float[rows * d];
        enc.decodeDense(dense, rows, denseRecon);
        if (sae.rule() != null) {
            sae.rule().denormalize(denseRecon, 0, x, 0, rows, d);
        }
        for (int r = 0; r < rows; r++) {
            float[] row = java.util.Arrays.copyOfRange(x, r * d, (r + 1) * d);
            String where = name + " row " + r;
            float[] xhat = enc.reconstruct(row);
            for (int i = 0; i < d; i++) {
                close(xhat[i], recon[r * d + i], where + " reconstruction " + i);
                close(denseRecon[r * d + i], recon[r * d + i], where + " dense reconstruction " + i);
            }
        }
    }

    private static List<Integer> sorted(int[] a) {
        List<Integer> l = new ArrayList<>();
        for (int v : a) {
            l.add(v);
        }
        l.sort(null);
        return l;
    }

    private static List<Integer> sorted(List<Integer> l) {
        List<Integer> c = new ArrayList<>(l);
        c.sort(null);
        return c;
    }

    static void close(double got, double want, String what) {
        assertThat(Math.abs(got - want)).as(what + ": got " + got + ", want " + want)
                .isLessThanOrEqualTo(ATOL + RTOL * Math.abs(want));
    }
}
