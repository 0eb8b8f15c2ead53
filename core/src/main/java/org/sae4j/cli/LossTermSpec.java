package org.sae4j.cli;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.train.CoefSchedule;
import org.sae4j.train.UserTerm;
import org.sae4j.train.loss.LossTerm;

/**
 * {@code train --loss-term CLASS,coef=C[,schedule=S][,KEY=VALUE…]}: a user's {@link LossTerm} from the class path
 * (the launcher adds {@code SAE4J_CLASSPATH}). The class needs a public constructor taking a
 * {@code Map<String, String>} of the KEY=VALUE options (in the order given), or a public no-argument one when there
 * are none. The whole text is recorded in the trainer state ({@link UserTerm#spec()}), so {@code --resume} builds
 * the same term again without being told.
 */
final class LossTermSpec {
    private static final String FORM = "CLASS,coef=C[,schedule=constant|linear:START:END|cosine:START:END]"
            + "[,KEY=VALUE…]";

    private LossTermSpec() {
    }

    /** Every {@code --loss-term} of a command line, in order. */
    static List<UserTerm> parseAll(List<String> specs) {
        List<UserTerm> out = new ArrayList<>(specs.size());
        for (String s : specs) {
            out.add(parse(s));
        }
        return out;
    }

    /** One {@code --loss-term} value. */
    static UserTerm parse(String spec) {
        return parse(spec, "train ");
    }

    /** One {@code --loss-term} value; {@code where} starts its error messages (where the text came from). */
    private static UserTerm parse(String spec, String where) {
        String[] parts = spec.split(",", -1);
        String cls = parts[0].trim();
        Double coef = null;
        String schedule = "constant";
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw bad(where, spec, "'" + p + "' is not KEY=VALUE");
            }
            String key = p.substring(0, eq).trim();
            String value = p.substring(eq + 1).trim();
            if (key.equals("coef")) {
                try {
                    coef = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    throw bad(where, spec, "coef=" + value + " is not a number");
                }
                if (!Double.isFinite(coef)) {
                    throw bad(where, spec, "coef=" + value + " is not finite");
                }
            } else if (key.equals("schedule")) {
                schedule = value;
            } else if (options.put(key, value) != null) {
                throw bad(where, spec, key + " given twice");
            }
        }
        if (cls.isEmpty()) {
            throw bad(where, spec, "no class name");
        }
        if (coef == null) {
            throw bad(where, spec, "no coef=C");
        }
        CoefSchedule s;
        try {
            s = CoefSchedule.parse(schedule, coef);
        } catch (BadInputException e) {
            throw bad(where, spec, "schedule=" + schedule + " is not constant, linear:START:END or cosine:START:END");
        }
        if (s.kind() == CoefSchedule.Kind.AUTO) {
            throw bad(where, spec, "schedule=" + schedule + ": auto is for --reanimation only");
        }
        LossTerm term = instantiate(where, spec, cls, options);
        return new UserTerm(nameOf(where, spec, term), term, s, spec);
    }

    /**
     * The terms a resumed run's trainer state recorded, built again from their recorded {@code --loss-term} text; a
     * term registered from code (no text) stays unregistered, and {@code Trainer} then names it.
     */
    static List<UserTerm> rebuild(List<UserTerm> recorded) {
        List<UserTerm> out = new ArrayList<>(recorded.size());
        for (UserTerm t : recorded) {
            if (t.term() != null || t.spec() == null) {
                out.add(t);
                continue;
            }
            // Say where the text came from: the user did not type it this time.
            out.add(parse(t.spec(), "train --resume: the checkpoint's "));
        }
        return out;
    }

    /** What the trainer state recorded, for the {@code --resume} comparison: the texts, or "none". */
    static String describe(List<UserTerm> terms) {
        if (terms.isEmpty()) {
            return "none";
        }
        List<String> specs = new ArrayList<>();
        for (UserTerm t : terms) {
            specs.add(t.spec() != null ? t.spec() : t.name() + " (registered from code)");
        }
        return String.join(" --loss-term ", specs);
    }

    private static LossTerm instantiate(String where, String spec, String cls, Map<String, String> options) {
        Class<?> c;
        try {
            c = Class.forName(cls, true, classLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw bad(where, spec, "class " + cls + " not found on the class path (add its jar or directory with"
                    + " SAE4J_CLASSPATH)");
        }
        if (!LossTerm.class.isAssignableFrom(c)) {
            throw bad(where, spec, cls + " does not implement " + LossTerm.class.getName());
        }
        try {
            Constructor<?> k;
            try {
                k = c.getConstructor(Map.class);
                return (LossTerm) k.newInstance(java.util.Collections.unmodifiableMap(options));
            } catch (NoSuchMethodException e) {
                if (!options.isEmpty()) {
                    throw bad(where, spec, cls + " has no public constructor taking a Map<String, String>, so it"
                            + " takes no options " + options.keySet());
                }
                k = c.getConstructor();
                return (LossTerm) k.newInstance();
            }
        } catch (NoSuchMethodException e) {
            throw bad(where, spec, cls + " has no public constructor taking a Map<String, String> or nothing");
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalArgumentException || cause instanceof BadInputException) {
                throw bad(where, spec, cause.getMessage()); // the term's own check of its options
            }
            throw new IllegalStateException("--loss-term " + cls + ": its constructor failed", cause);
        } catch (ReflectiveOperationException e) {
            throw bad(where, spec, cls + " cannot be instantiated (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static String nameOf(String where, String spec, LossTerm term) {
        String name = term.name();
        if (name == null) {
            throw bad(where, spec, term.getClass().getName() + ".name() is null");
        }
        return name;
    }

    private static ClassLoader classLoader() {
        ClassLoader l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : LossTermSpec.class.getClassLoader();
    }

    private static BadInputException bad(String where, String spec, String why) {
        return new BadInputException(where + "--loss-term '" + spec + "': " + why + "; expected " + FORM);
    }
}
