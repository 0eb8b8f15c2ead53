package org.sae4j.model;

import org.sae4j.BadInputException;

/**
 * A transcoder's output side (src/docs/design.md §3.8): the model reads x (width {@code SaeConfig.dim}) and
 * reconstructs another activation y of width {@code outDim}, {@code ŷ = z·D + b_dec [+ W_skip·x]}. W_dec is
 * n×outDim and b_dec outDim; with {@code skip} a dense W_skip (outDim×dim, initialised to 0) adds a linear path
 * from input to output. The layout follows SAELens {@code sae_lens/saes/transcoder.py} ({@code TranscoderConfig.d_out},
 * {@code SkipTranscoder.W_skip} of shape [d_out, d_in]) and sparsify {@code sparsify/sparse_coder.py}
 * ({@code transcode}, {@code skip_connection}: {@code sae_out += x @ W_skip.mT}).
 *
 * @param outDim width of the target y
 * @param skip   whether the model has the skip connection W_skip
 */
public record Transcoding(int outDim, boolean skip) {
    public Transcoding {
        if (outDim <= 0) {
            throw new BadInputException("transcoder output width = " + outDim + ": expected a positive width");
        }
    }
}
