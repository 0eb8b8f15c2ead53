package org.sae4j.train;

import java.util.Locale;
import org.sae4j.BadInputException;

/**
 * The re-animation coefficient over training. The seed's guidance: keep it small, watch the dead count, and anneal it
 * to 0 once utilisation is stable.
 * <ul>
 *   <li>{@link Kind#CONSTANT}: {@code coef} throughout.</li>
 *   <li>{@link Kind#LINEAR} / {@link Kind#COSINE}: {@code coef} until step {@code start}, then down to 0 at step
 *       {@code end} along a line or a half cosine, 0 after.</li>
 *   <li>{@link Kind#AUTO}: {@code coef} until the windowed dead fraction has stayed below {@code threshold} for
 *       {@code patience} consecutive steps, then 0 for good (the decision is training state, kept in
 *       {@link OptimizerState} so that a resumed run makes the same one).</li>
 * </ul>
 */
public record CoefSchedule(Kind kind, double coef, long start, long end, double threshold, long patience) {

    public enum Kind { CONSTANT, LINEAR, COSINE, AUTO }

    public CoefSchedule {
        if (kind == null) {
            throw new BadInputException("reanimation schedule: expected constant, linear, cosine or auto");
        }
        if (!(coef >= 0) || !Double.isFinite(coef)) {
            throw new BadInputException("reanimation coefficient = " + coef + ": expected a finite number ≥ 0");
        }
        if (start < 0 || end < start) {
            throw new BadInputException("reanimation anneal " + start + ":" + end + ": expected 0 ≤ START ≤ END");
        }
        if (kind == Kind.AUTO && (!(threshold >= 0 && threshold <= 1) || patience < 1)) {
            throw new BadInputException("reanimation auto " + threshold + ":" + patience
                    + ": expected a dead-fraction threshold in [0, 1] and a patience ≥ 1 steps");
        }
    }

    public static CoefSchedule constant(double coef) {
        return new CoefSchedule(Kind.CONSTANT, coef, 0, 0, 0, 0);
    }

    public static CoefSchedule linearAnneal(double coef, long start, long end) {
        return new CoefSchedule(Kind.LINEAR, coef, start, end, 0, 0);
    }

    public static CoefSchedule cosineAnneal(double coef, long start, long end) {
        return new CoefSchedule(Kind.COSINE, coef, start, end, 0, 0);
    }

    /** Turn off once the windowed dead fraction stays below {@code threshold} for {@code patience} steps. */
    public static CoefSchedule auto(double coef, double threshold, long patience) {
        return new CoefSchedule(Kind.AUTO, coef, 0, 0, threshold, patience);
    }

    /**
     * Parses the CLI form: {@code constant}, {@code linear:START:END}, {@code cosine:START:END} or
     * {@code auto:THRESHOLD:PATIENCE}, with the coefficient given separately.
     */
    public static CoefSchedule parse(String spec, double coef) {
        String[] p = spec.trim().toLowerCase(Locale.ROOT).split(":");
        try {
            switch (p[0]) {
                case "constant":
                    if (p.length == 1) {
                        return constant(coef);
                    }
                    break;
                case "linear":
                case "cosine":
                    if (p.length == 3) {
                        long s = Long.parseLong(p[1]);
                        long e = Long.parseLong(p[2]);
                        return p[0].equals("linear") ? linearAnneal(coef, s, e) : cosineAnneal(coef, s, e);
                    }
                    break;
                case "auto":
                    if (p.length == 3) {
                        return auto(coef, Double.parseDouble(p[1]), Long.parseLong(p[2]));
                    }
                    break;
                default:
                    break;
            }
        } catch (NumberFormatException e) {
            // fall through to the one error line below
        }
        throw new BadInputException("reanimation schedule '" + spec + "': expected constant, linear:START:END, "
                + "cosine:START:END or auto:THRESHOLD:PATIENCE");
    }

    /** The CLI form {@link #parse} reads, without the coefficient (given separately): {@code linear:START:END}. */
    public String spec() {
        return switch (kind) {
            case CONSTANT -> "constant";
            case AUTO -> "auto:" + threshold + ":" + patience;
            case LINEAR, COSINE -> kind.name().toLowerCase(Locale.ROOT) + ":" + start + ":" + end;
        };
    }

    /** For people: {@code coef 0.1, linear anneal 100:200}, or {@code coef 0.1, off once dead < 0.01 for 50 steps}. */
    public String describe() {
        return "coef " + coef + switch (kind) {
            case CONSTANT -> ", constant";
            case LINEAR, COSINE -> ", " + kind.name().toLowerCase(Locale.ROOT) + " anneal " + start + ":" + end;
            case AUTO -> ", off once dead < " + threshold + " for " + patience + " steps";
        };
    }

    /** Coefficient at 0-based {@code step} for the step-driven kinds; for AUTO, the coefficient while on. */
    public double at(long step) {
        if (kind == Kind.CONSTANT || kind == Kind.AUTO || step < start) {
            return coef;
        }
        if (step >= end) {
            return 0;
        }
        double progress = (double) (step - start) / (double) (end - start);
        return kind == Kind.LINEAR ? coef * (1 - progress) : coef * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
