package org.sae4j.train;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The user terms' values of one step, by name in registration order: an unmodifiable map over two arrays it owns,
 * which {@link StepStats} keeps as it is instead of copying (a step builds it once, nobody else holds its arrays).
 */
final class UserTermValues extends AbstractMap<String, Double> {
    private final String[] names;
    private final double[] values;

    /** Takes ownership of both arrays (same length; names distinct). */
    UserTermValues(String[] names, double[] values) {
        this.names = names;
        this.values = values;
    }

    @Override
    public int size() {
        return names.length;
    }

    @Override
    public Set<Entry<String, Double>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, Double>> iterator() {
                return new Iterator<>() {
                    private int i;

                    @Override
                    public boolean hasNext() {
                        return i < names.length;
                    }

                    @Override
                    public Entry<String, Double> next() {
                        if (i >= names.length) {
                            throw new NoSuchElementException();
                        }
                        Entry<String, Double> e = Map.entry(names[i], values[i]);
                        i++;
                        return e;
                    }
                };
            }

            @Override
            public int size() {
                return names.length;
            }
        };
    }
}
