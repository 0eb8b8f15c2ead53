package org.sae4j.cli;

import java.util.Map;
import org.sae4j.train.loss.LatentInputs;
import org.sae4j.train.loss.LatentPartials;
import org.sae4j.train.loss.LossTerm;

/**
 * A user term for the CLI tests ({@code train --loss-term org.sae4j.cli.MeanPreTerm,coef=C[,scale=S]}): the mean
 * pre-activation times {@code −scale}, which pushes every latent up. Built from its options as the CLI does.
 */
public final class MeanPreTerm implements LossTerm {
    private final double scale;

    public MeanPreTerm(Map<String, String> options) {
        for (String k : options.keySet()) {
            if (!k.equals("scale")) {
                throw new IllegalArgumentException("option " + k + ": expected only scale=S");
            }
        }
        scale = Double.parseDouble(options.getOrDefault("scale", "1"));
    }

    @Override
    public String name() {
        return "mean_pre";
    }

    @Override
    public double evaluate(LatentInputs in, double coef, LatentPartials out) {
        double perEntry = -scale / ((double) in.rows() * in.latents());
        double value = 0;
        for (int j = 0; j < in.latents(); j++) {
            value += perEntry * in.sumPre(j);
            if (coef != 0) {
                out.addSumPre(j, coef * perEntry);
            }
        }
        return value;
    }
}
