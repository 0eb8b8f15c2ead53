package org.sae4j.bench;

/** What the load-generator mains ({@link EncodeServiceLoad}, {@link EncodeServiceSoak}) share: options, percentiles. */
final class LoadMainSupport {
    private LoadMainSupport() {
    }

    /** The q-quantile of {@code sorted} (nearest rank), 0 when empty. */
    static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }

    /** The value of a {@code name=value} argument, or {@code def}. */
    static String arg(String[] args, String name, String def) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
        }
        return def;
    }

    static int intArg(String[] args, String name, int def) {
        return Integer.parseInt(arg(args, name, Integer.toString(def)));
    }
}
