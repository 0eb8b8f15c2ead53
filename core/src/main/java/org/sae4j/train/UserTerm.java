package org.sae4j.train;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.sae4j.BadInputException;
import org.sae4j.train.loss.LossTerm;

/**
 * A user's {@link LossTerm} registered on a {@link TrainConfig} with its coefficient schedule. The trainer state
 * records the name and schedule; the code of the term cannot be stored, so a resumed run must register the same term
 * again ({@link #requireSame}). A term read back from a checkpoint has {@code term == null} until then.
 *
 * @param name     the term's name (its {@code --json} key)
 * @param term     the term; null when only recorded in a trainer state
 * @param schedule its coefficient over training: constant, linear or cosine (AUTO reads the dead fraction of the
 *                 re-animation term and is not offered here)
 * @param spec     how to build the term again, recorded in the trainer state so that {@code train --resume} can
 *                 (the command line's {@code --loss-term} text, see {@code cli.LossTermSpec}); null for a term
 *                 registered from code
 */
public record UserTerm(String name, LossTerm term, CoefSchedule schedule, String spec) {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    /** Keys of the {@code --json} log line and the built-in terms: a user term must not shadow them. */
    private static final Set<String> RESERVED = Set.of("step", "epoch", "loss", "mse", "r2", "explained_variance",
            "l0", "l1", "dead_fraction", "window_dead_fraction", "tokens_per_s", "reanimation", "reanimation_coef",
            "auxk", "lr", "summary");

    public UserTerm {
        if (name == null || !NAME.matcher(name).matches() || RESERVED.contains(name)) {
            throw new BadInputException("loss term name '" + name + "': expected lower-case letters, digits and _,"
                    + " starting with a letter, and none of " + new java.util.TreeSet<>(RESERVED));
        }
        if (term != null && !name.equals(term.name())) {
            throw new BadInputException("loss term '" + name + "': its name() is '" + term.name()
                    + "'; expected the same");
        }
        if (schedule == null || schedule.kind() == CoefSchedule.Kind.AUTO) {
            throw new BadInputException("loss term '" + name + "' schedule: expected constant, linear or cosine");
        }
    }

    /** A term registered from code, which a resumed run registers again the same way. */
    public UserTerm(String name, LossTerm term, CoefSchedule schedule) {
        this(name, term, schedule, null);
    }

    /** A term at a constant coefficient. */
    public static UserTerm of(LossTerm term, double coef) {
        return new UserTerm(term.name(), term, CoefSchedule.constant(coef));
    }

    /** A term with a schedule (constant, linear or cosine anneal). */
    public static UserTerm of(LossTerm term, CoefSchedule schedule) {
        return new UserTerm(term.name(), term, schedule);
    }

    /**
     * Checks that a resumed run registers the terms its trainer state recorded, in the same order with the same
     * schedules; one line naming the first difference otherwise.
     */
    static void requireSame(List<UserTerm> recorded, List<UserTerm> registered) {
        for (int i = 0; i < Math.max(recorded.size(), registered.size()); i++) {
            UserTerm r = i < recorded.size() ? recorded.get(i) : null;
            UserTerm g = i < registered.size() ? registered.get(i) : null;
            if (r == null || g == null || !r.name.equals(g.name) || !r.schedule.equals(g.schedule)) {
                throw new BadInputException("resume: loss terms " + describe(registered)
                        + " registered; expected the trainer state's " + describe(recorded)
                        + ", to resume the same run");
            }
        }
    }

    /** Fails with one line when a term is only recorded (read from a trainer state) and not registered. */
    static void requireRegistered(List<UserTerm> terms) {
        for (UserTerm t : terms) {
            if (t.term == null) {
                throw new BadInputException("loss term '" + t.name + "' is recorded in the trainer state but not"
                        + " registered; expected TrainConfig.Builder.lossTerm with the same term to resume");
            }
        }
    }

    static String describe(List<UserTerm> terms) {
        StringBuilder s = new StringBuilder("[");
        for (UserTerm t : terms) {
            s.append(s.length() > 1 ? ", " : "").append(t.name).append(' ').append(t.schedule.kind().name()
                    .toLowerCase(java.util.Locale.ROOT)).append(' ').append(t.schedule.coef());
        }
        return s.append(']').toString();
    }
}
