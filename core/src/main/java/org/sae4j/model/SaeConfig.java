package org.sae4j.model;

import org.sae4j.BadInputException;
import org.sae4j.encode.select.TopK;

/**
 * Architecture of a sparse autoencoder. Training hyper-parameters live in {@link org.sae4j.train.TrainConfig}.
 *
 * @param dim                    input width d
 * @param latents                dictionary size n
 * @param activation             TopK, BatchTopK, ReLU, JumpReLU or GroupMax
 * @param k                      active latents per row for TopK, on average for BatchTopK, the number of groups
 *                               for GroupMax (a divisor of latents); ignored otherwise
 * @param unitNormDecoder        decode with {@code D_j = W_dec[j] / ‖W_dec[j]‖} (default true)
 * @param preEncoderBias         encode {@code x − b_dec} instead of {@code x} (OpenAI style; default false)
 * @param jumpReluBandwidth      ε of the rectangle-kernel straight-through estimator (default 1e-3)
 * @param jumpReluInitThreshold  initial θ for every latent (default 1e-3, as SAELens)
 * @param seed                   seed of the parameter initialisation
 * @param matryoshka             nested prefixes whose reconstruction losses training adds (TopK, BatchTopK), or
 *                               {@code null} for a plain dictionary
 * @param transcoder             the output side of a transcoder (target width, skip connection), or {@code null}
 *                               for an autoencoder (the output is the input's width)
 */
public record SaeConfig(int dim, int latents, Activation activation, int k, boolean unitNormDecoder,
                        boolean preEncoderBias, double jumpReluBandwidth, double jumpReluInitThreshold, long seed,
                        Matryoshka matryoshka, Transcoding transcoder) {

    public SaeConfig {
        if (dim <= 0) {
            throw new BadInputException("dim = " + dim + ": expected a positive input width");
        }
        if (latents <= 0) {
            throw new BadInputException("latents = " + latents + ": expected a positive dictionary size");
        }
        if (activation == null) {
            throw new BadInputException("activation: expected topk, relu or jumprelu");
        }
        if (activation.usesK() && (k <= 0 || k > latents)) {
            throw new BadInputException("k = " + k + ": expected 1 ≤ k ≤ latents (" + latents + ")");
        }
        if (activation == Activation.GROUPMAX && latents % k != 0) {
            throw new BadInputException("k = " + k + ": groupmax splits the " + latents
                    + " latents into k equal groups; expected k to divide latents");
        }
        if (!(jumpReluBandwidth > 0) || !Double.isFinite(jumpReluBandwidth)) {
            throw new BadInputException("jumpReluBandwidth = " + jumpReluBandwidth + ": expected a positive number");
        }
        if (!(jumpReluInitThreshold > 0) || !Double.isFinite(jumpReluInitThreshold)) {
            throw new BadInputException(
                    "jumpReluInitThreshold = " + jumpReluInitThreshold + ": expected a positive number");
        }
        if (matryoshka != null) {
            if (activation != Activation.TOPK && activation != Activation.BATCHTOPK) {
                throw new BadInputException("matryoshka: only for topk or batchtopk; " + activation.id()
                        + " selects no fixed budget to nest");
            }
            int last = matryoshka.widths().get(matryoshka.prefixes() - 1);
            if (last != latents) {
                throw new BadInputException("matryoshka widths " + matryoshka.widths() + ": the last prefix is "
                        + last + "; expected the dictionary size " + latents);
            }
        }
        if (transcoder != null) {
            if (preEncoderBias) {
                // b_dec lives in the output space (width d_out); SAELens TranscoderConfig refuses it too.
                throw new BadInputException("pre_encoder_bias: a transcoder cannot subtract b_dec (width "
                        + transcoder.outDim() + ", the target's) from its input (width " + dim + ")");
            }
            if (matryoshka != null) {
                throw new BadInputException("matryoshka: not supported for transcoders; expected one or the other");
            }
        }
    }

    /** A dictionary with no transcoder output side (an autoencoder), nested as {@code matryoshka}. */
    public SaeConfig(int dim, int latents, Activation activation, int k, boolean unitNormDecoder,
                     boolean preEncoderBias, double jumpReluBandwidth, double jumpReluInitThreshold, long seed,
                     Matryoshka matryoshka) {
        this(dim, latents, activation, k, unitNormDecoder, preEncoderBias, jumpReluBandwidth, jumpReluInitThreshold,
                seed, matryoshka, null);
    }

    /** Width of the model's output: the transcoder's target width, else the input width d. */
    public int outDim() {
        return transcoder == null ? dim : transcoder.outDim();
    }

    /**
     * Width of one training row: d for an autoencoder; d + d_out for a transcoder, whose training rows hold the
     * input x (columns [0, d)) and then its target y (columns [d, d + d_out)).
     */
    public int rowWidth() {
        return transcoder == null ? dim : dim + transcoder.outDim();
    }

    /** Whether the model has the skip connection W_skip (a skip transcoder). */
    public boolean skip() {
        return transcoder != null && transcoder.skip();
    }

    /** A plain (not nested) dictionary. */
    public SaeConfig(int dim, int latents, Activation activation, int k, boolean unitNormDecoder,
                     boolean preEncoderBias, double jumpReluBandwidth, double jumpReluInitThreshold, long seed) {
        this(dim, latents, activation, k, unitNormDecoder, preEncoderBias, jumpReluBandwidth, jumpReluInitThreshold,
                seed, null, null);
    }

    /** TopK SAE with the defaults. */
    public static SaeConfig topK(int dim, int latents, int k) {
        return new SaeConfig(dim, latents, Activation.TOPK, k, true, false, 1e-3, 1e-3, 0L);
    }

    /** BatchTopK SAE: k active latents per row on average over a batch. */
    public static SaeConfig batchTopK(int dim, int latents, int k) {
        return new SaeConfig(dim, latents, Activation.BATCHTOPK, k, true, false, 1e-3, 1e-3, 0L);
    }

    /** ReLU SAE (train it with an L1 coefficient). */
    public static SaeConfig relu(int dim, int latents) {
        return new SaeConfig(dim, latents, Activation.RELU, 1, true, false, 1e-3, 1e-3, 0L);
    }

    /** JumpReLU SAE (train it with an L0 coefficient). */
    public static SaeConfig jumpRelu(int dim, int latents) {
        return new SaeConfig(dim, latents, Activation.JUMPRELU, 1, true, false, 1e-3, 1e-3, 0L);
    }

    public SaeConfig withSeed(long s) {
        return new SaeConfig(dim, latents, activation, k, unitNormDecoder, preEncoderBias, jumpReluBandwidth,
                jumpReluInitThreshold, s, matryoshka, transcoder);
    }

    public SaeConfig withUnitNormDecoder(boolean on) {
        return new SaeConfig(dim, latents, activation, k, on, preEncoderBias, jumpReluBandwidth,
                jumpReluInitThreshold, seed, matryoshka, transcoder);
    }

    public SaeConfig withPreEncoderBias(boolean on) {
        return new SaeConfig(dim, latents, activation, k, unitNormDecoder, on, jumpReluBandwidth,
                jumpReluInitThreshold, seed, matryoshka, transcoder);
    }

    public SaeConfig withJumpRelu(double bandwidth, double initThreshold) {
        return new SaeConfig(dim, latents, activation, k, unitNormDecoder, preEncoderBias, bandwidth, initThreshold,
                seed, matryoshka, transcoder);
    }

    /** The same dictionary nested as {@code m} (null: plain). */
    public SaeConfig withMatryoshka(Matryoshka m) {
        return new SaeConfig(dim, latents, activation, k, unitNormDecoder, preEncoderBias, jumpReluBandwidth,
                jumpReluInitThreshold, seed, m, transcoder);
    }

    /** The same dictionary as a transcoder with output side {@code t} (null: an autoencoder). */
    public SaeConfig withTranscoder(Transcoding t) {
        return new SaeConfig(dim, latents, activation, k, unitNormDecoder, preEncoderBias, jumpReluBandwidth,
                jumpReluInitThreshold, seed, matryoshka, t);
    }
}
