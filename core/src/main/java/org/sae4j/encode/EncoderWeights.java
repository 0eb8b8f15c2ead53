package org.sae4j.encode;

import org.sae4j.BadInputException;
import org.sae4j.encode.select.RowTopK;
import org.sae4j.encode.select.TopK;
import org.sae4j.kernels.ThresholdSelect;
import org.sae4j.kernels.VectorOps;
import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.model.Activation;
import org.sae4j.model.ForwardRule;
import org.sae4j.model.GroupMax;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.model.Standardizer;

/**
 * The model as {@link SaeEncoder}'s paths read it: copies of the weights (so the encoder does not change if the caller
 * goes on training the {@link Sae}), each latent's threshold, and the input preparation training applied
 * (standardisation, an imported row norm, the pre-encoder bias). Immutable; shared by the single-vector path and
 * {@link BatchEncoder}.
 */
final class EncoderWeights {
    final SaeConfig config;
    final int d;
    /** Output width: d, or a transcoder's d_out (the decoder's rows, b_dec). */
    final int dOut;
    final int n;
    final Activation act;
    final float[] wEnc;    // null in an approximate mode
    final float[] bEnc;
    final float[] bDec;
    final float[] dict;
    final float[] wSkip;   // a skip transcoder's W_skip (d_out×d), else null
    final float[] theta;   // JumpReLU: θ_j = exp(t_j) in float, as Sae.activate compares; else null
    final float floor;     // a code must exceed this: θ for BatchTopK, 0 otherwise (JumpReLU uses theta)
    final boolean shift;   // encode x − b_dec
    final Standardizer standardizer; // null when inputs are used as given
    final ForwardRule rule; // an imported model's row norm / code rule (ForwardRule), else null
    final boolean codeRule; // rule rewrites pre-activations into codes before the selection
    private final VectorOps ops = VectorizationProvider.getInstance().vectorOps();

    EncoderWeights(Sae sae, Standardizer standardizer, EncoderMode mode) {
        this.config = sae.config();
        this.d = config.dim();
        this.dOut = config.outDim();
        this.n = config.latents();
        this.act = config.activation();
        if (config.transcoder() != null && ((standardizer != null && standardizer.mode() != Standardizer.Mode.NONE)
                || (sae.rule() != null && sae.rule().norm() != ForwardRule.RowNorm.NONE))) {
            // Input and output live in two spaces: one standardizer or row norm cannot map both. A code rule alone
            // (SAELens jumprelu_transcoder's thresholds compared as stored) reads only the pre-activations.
            throw new BadInputException("transcoder: inputs are used as given; expected no standardizer or"
                    + " imported row norm");
        }
        if (standardizer != null && standardizer.dim() != d) {
            throw new BadInputException("standardizer: has dim " + standardizer.dim() + "; expected the model's "
                    + d);
        }
        this.standardizer = standardizer == null || standardizer.mode() == Standardizer.Mode.NONE
                ? null : standardizer;
        if (mode.approximate() && sae.rule() != null) {
            throw new BadInputException("encoder mode " + mode + ": approximate modes encode plain pre-activations;"
                    + " this model has an imported forward rule (" + sae.rule() + "); expected an exact mode");
        }
        if (mode.approximate() && act == Activation.GROUPMAX) {
            // The compressed copy's error could move a group's maximum to another latent; refuse rather than
            // return another model's codes. The screened modes encode groupmax exactly (from the float32 rows).
            throw new BadInputException("encoder mode " + mode.id() + ": approximate modes are not available for a"
                    + " groupmax model; expected float32, bf16 or int8");
        }
        // Copies: the encoder must not change under concurrent readers if the caller goes on training the Sae.
        this.wEnc = mode.approximate() ? null : sae.wEnc().clone();
        this.bEnc = sae.bEnc().clone();
        this.bDec = sae.bDec().clone();
        this.dict = sae.dictionary();
        this.wSkip = sae.wSkip() == null ? null : sae.wSkip().clone();
        this.rule = sae.rule();
        this.codeRule = rule != null && rule.rewritesCodes();
        if (act == Activation.JUMPRELU && !codeRule) {
            theta = new float[n];
            for (int j = 0; j < n; j++) {
                theta[j] = (float) Math.exp(sae.logThreshold()[j]);
            }
        } else {
            theta = null;
        }
        this.floor = act == Activation.BATCHTOPK ? sae.batchTopKThreshold() : 0f; // a code rule's codes: > 0
        this.shift = config.preEncoderBias();
    }

    /** Whether inputs are changed before the encoder reads them (so a caller's array must be copied first). */
    boolean prepares() {
        return shift || standardizer != null || rule != null;
    }

    /** Codes a call asking for {@code m} keeps: the model's k at most for TopK and GroupMax (one per group). */
    int limit(int m) {
        return act.atMostKPerRow() ? Math.min(m, config.k()) : Math.min(m, n);
    }

    /** Offers one block of row 0's pre-activations ({@code buf[off ..]}, latents {@code j0 ..}) to {@code heap}. */
    void offer(RowTopK heap, ThresholdSelect select, int j0, float[] buf, int off, int cols, int[] cand) {
        if (theta != null) {
            heap.offerAbove(select, 0, j0, buf, off, cols, theta, cand);
        } else {
            heap.offerAbove(select, 0, j0, buf, off, cols, floor, cand);
        }
    }

    /** Latent j's float32 pre-activation: the one definition both the float32 and the screened paths use. */
    float pre(float[] in, int j) {
        return ops.dot(in, 0, wEnc, j * d, d) + bEnc[j];
    }

    void checkLatent(int j, int slot) {
        if (j < 0 || j >= n) {
            throw new BadInputException("code " + slot + ": latent " + j + "; expected 0 ≤ latent < " + n);
        }
    }

    /** Standardises and shifts {@code rows} rows in place, as training saw its inputs. */
    void prepare(float[] a, int off, int rows) {
        if (standardizer != null) {
            standardizer.apply(a, off, rows);
        }
        if (rule != null) {
            rule.normalize(a, off, rows, d);
        }
        if (shift) {
            for (int b = 0; b < rows; b++) {
                ops.axpy(-1f, bDec, 0, a, off + b * d, d);
            }
        }
    }

    /** Back from the model's space to the data's units. */
    void unprepare(float[] a, int off, int rows) {
        if (standardizer != null) {
            standardizer.invert(a, off, rows);
        }
    }

    /** A skip transcoder's {@code out[b] += W_skip·x[b]} for {@code rows} rows (x width d, out width d_out). */
    void addSkip(float[] x, int xOff, int rows, float[] out, int outOff) {
        if (wSkip != null) {
            Sae.addSkip(wSkip, d, dOut, x, xOff, rows, out, outOff, ops);
        }
    }

    /** Shape and finiteness of the input; {@code exact}: a single vector of exactly d values. */
    void checkRows(String what, float[] x, int rows, boolean exact) {
        if (x == null) {
            throw new BadInputException(what + ": missing; expected " + d + " values per row");
        }
        if (rows < 0) {
            throw new BadInputException(what + ": rows = " + rows + "; expected ≥ 0");
        }
        if (exact && x.length != d) {
            throw new BadInputException(what + ": has " + x.length + " values; expected dim = " + d);
        }
        if (x.length < (long) rows * d) {
            throw new BadInputException(what + ": has " + x.length + " values; expected rows × dim = " + rows + "×"
                    + d);
        }
        for (int i = 0; i < rows * d; i++) {
            if (!Float.isFinite(x[i])) {
                throw new BadInputException(what + ": row " + i / d + ", element " + i % d + " is " + x[i]
                        + "; expected a finite number");
            }
        }
    }
}
