package org.sae4j.train;

import org.sae4j.BadInputException;

/**
 * Re-animation coefficient over steps: constant, or held until {@code annealStart} then linearly annealed to 0 at
 * {@code annealEnd} (and 0 after). A constant schedule has {@code annealStart = annealEnd = Long.MAX_VALUE}.
 */
public record CoefSchedule(double coef, long annealStart, long annealEnd) {

    public CoefSchedule {
        if (!(coef >= 0) || !Double.isFinite(coef)) {
            throw new BadInputException("reanimation coefficient = " + coef + ": expected a finite number ≥ 0");
        }
        if (annealStart < 0 || annealEnd < annealStart) {
            throw new BadInputException("reanimation anneal " + annealStart + ":" + annealEnd
                    + ": expected 0 ≤ START ≤ END");
        }
    }

    public static CoefSchedule constant(double coef) {
        return new CoefSchedule(coef, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    public static CoefSchedule linearAnneal(double coef, long start, long end) {
        return new CoefSchedule(coef, start, end);
    }

    /** Coefficient in force at 0-based {@code step}. */
    public double at(long step) {
        if (step < annealStart) {
            return coef;
        }
        if (step >= annealEnd) {
            return 0;
        }
        return coef * (double) (annealEnd - step) / (double) (annealEnd - annealStart);
    }
}
