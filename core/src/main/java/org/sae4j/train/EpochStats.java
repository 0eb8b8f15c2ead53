package org.sae4j.train;

/**
 * End-of-epoch summary, the figures of overcomplete's epoch line.
 *
 * @param epoch          1-based
 * @param epochs         total epochs
 * @param steps          steps taken so far (all epochs)
 * @param loss           mean batch loss over the epoch
 * @param r2             mean batch R² (scalar-mean form)
 * @param l0             mean batch L0
 * @param deadFraction   latents that fired in no batch of the epoch
 * @param seconds        wall time of the epoch
 * @param tokensPerSecond rows processed per second in the epoch
 */
public record EpochStats(int epoch, int epochs, long steps, double loss, double r2, double l0, double deadFraction,
                         double seconds, double tokensPerSecond) {

    /** overcomplete's line: {@code Epoch[e/E], Loss: …, R2: …, L0: …, Dead Features: …%, Time: … seconds}. */
    public String line() {
        return String.format(java.util.Locale.ROOT,
                "Epoch[%d/%d], Loss: %.4f, R2: %.4f, L0: %.4f, Dead Features: %.1f%%, Time: %.4f seconds",
                epoch, epochs, loss, r2, l0, 100 * deadFraction, seconds);
    }
}
