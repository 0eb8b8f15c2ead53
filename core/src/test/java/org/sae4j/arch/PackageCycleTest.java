package org.sae4j.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.sae4j.model.Sae;

/**
 * Dependencies between {@code org.sae4j.*} packages go one way, and each package uses only what its
 * {@code package-info.java} says it may. This test reads core's compiled classes (the constant pool of each class
 * file: the classes it names and the types in its descriptors and signatures), builds the package graph and fails on
 * any cycle, naming the packages and one class behind each edge; and on any edge that the source package's
 * "May import:" line does not list.
 *
 * <p>The class-file walk is a few dozen lines of {@link DataInputStream} rather than ASM or ArchUnit: core's tests
 * need nothing beyond JUnit, jqwik and AssertJ.
 */
class PackageCycleTest {

    /** "May import: org.sae4j, org.sae4j.io.json." in a package-info's javadoc ("nothing" for none). */
    private static final Pattern MAY_IMPORT = Pattern.compile("May import:\\s*(.*?)\\.(?:\\s|$)");
    private static final Pattern PACKAGE_NAME = Pattern.compile("org\\.sae4j(?:\\.[a-z]\\w*)*");

    @Test
    void noCycleBetweenPackages() throws IOException, URISyntaxException {
        Map<String, Map<String, String>> graph = packageGraph(coreClasses());
        assertThat(graph).containsKeys("org.sae4j.model", "org.sae4j.train");
        List<String> cycles = cycles(graph, Set.of());
        assertThat(cycles).as("package cycles (edge: one class that makes it)").isEmpty();
    }

    /** Every package of core has a package-info whose "May import:" line lists each package it uses. */
    @Test
    void everyPackageUsesOnlyWhatItsPackageInfoAllows() throws IOException, URISyntaxException {
        Path classes = coreClasses();
        Path sources = classes.resolve("../../src/main/java").normalize();
        Map<String, Map<String, String>> graph = packageGraph(classes);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> e : graph.entrySet()) {
            Path info = sources.resolve(e.getKey().replace('.', '/')).resolve("package-info.java");
            if (!Files.exists(info)) {
                problems.add(e.getKey() + ": no package-info.java");
                continue;
            }
            Matcher m = MAY_IMPORT.matcher(Files.readString(info).replaceAll("\\s*\\n\\s*\\*\\s*", " "));
            if (!m.find()) {
                problems.add(info + ": no \"May import: ….\" line");
                continue;
            }
            Set<String> allowed = new TreeSet<>();
            Matcher names = PACKAGE_NAME.matcher(m.group(1));
            while (names.find()) {
                allowed.add(names.group());
            }
            e.getValue().forEach((to, cls) -> {
                if (!allowed.contains(to)) {
                    problems.add(e.getKey() + " -> " + to + " (" + cls + "), not in its package-info's May import");
                }
            });
        }
        assertThat(problems).isEmpty();
    }

    private static Path coreClasses() throws URISyntaxException {
        return Path.of(Sae.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** The finder itself: a cycle through three packages is reported with the classes behind its edges. */
    @Test
    void aCycleIsReported() {
        Map<String, Map<String, String>> g = new TreeMap<>();
        g.computeIfAbsent("a", k -> new TreeMap<>()).put("b", "a.X");
        g.computeIfAbsent("b", k -> new TreeMap<>()).put("c", "b.Y");
        g.computeIfAbsent("c", k -> new TreeMap<>()).put("a", "c.Z");
        g.computeIfAbsent("c", k -> new TreeMap<>()).put("d", "c.W");
        assertThat(cycles(g, Set.of())).singleElement().asString()
                .contains("a -> b (a.X)", "b -> c (b.Y)", "c -> a (c.Z)").doesNotContain("d");
        assertThat(cycles(g, Set.of("c -> a"))).isEmpty();
    }

    /** package → (package it uses → one class of the first that uses the second), for org.sae4j classes. */
    static Map<String, Map<String, String>> packageGraph(Path root) throws IOException {
        Map<String, Map<String, String>> graph = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(p -> p.toString().endsWith(".class")).sorted().toList();
        }
        for (Path f : files) {
            String cls;
            Set<String> used;
            try (InputStream in = Files.newInputStream(f)) {
                ClassRefs refs = ClassRefs.read(new DataInputStream(in));
                cls = refs.self;
                used = refs.referenced;
            }
            String from = packageOf(cls);
            if (!from.startsWith("org.sae4j")) {
                continue;
            }
            Map<String, String> out = graph.computeIfAbsent(from, k -> new TreeMap<>());
            for (String u : used) {
                String to = packageOf(u);
                if (to.startsWith("org.sae4j") && !to.equals(from)) {
                    out.putIfAbsent(to, cls.replace('/', '.'));
                }
            }
        }
        return graph;
    }

    private static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return slash < 0 ? "" : internalName.substring(0, slash).replace('/', '.');
    }

    /** Strongly connected components of more than one package (Tarjan), each as its edges inside it. */
    static List<String> cycles(Map<String, Map<String, String>> graph, Set<String> ignored) {
        Map<String, Set<String>> g = new TreeMap<>();
        graph.forEach((from, tos) -> {
            Set<String> kept = g.computeIfAbsent(from, k -> new TreeSet<>());
            for (String to : tos.keySet()) {
                if (!ignored.contains(from + " -> " + to)) {
                    kept.add(to);
                    g.computeIfAbsent(to, k -> new TreeSet<>());
                }
            }
        });
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> sccs = new ArrayList<>();
        for (String v : g.keySet()) {
            if (!index.containsKey(v)) {
                strongConnect(v, g, index, low, stack, onStack, sccs);
            }
        }
        List<String> out = new ArrayList<>();
        for (Set<String> scc : sccs) {
            if (scc.size() < 2) {
                continue;
            }
            List<String> edges = new ArrayList<>();
            for (String from : scc) {
                for (String to : g.get(from)) {
                    if (scc.contains(to)) {
                        edges.add(from + " -> " + to + " (" + graph.get(from).get(to) + ")");
                    }
                }
            }
            out.add(String.join(", ", edges));
        }
        return out;
    }

    private static void strongConnect(String v, Map<String, Set<String>> g, Map<String, Integer> index,
                                      Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
                                      List<Set<String>> sccs) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
        for (String w : g.get(v)) {
            if (!index.containsKey(w)) {
                strongConnect(w, g, index, low, stack, onStack, sccs);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> scc = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                scc.add(w);
            } while (!w.equals(v));
            sccs.add(scc);
        }
    }

    /** The class a class file defines and the classes its constant pool names (JVMS §4.4). */
    record ClassRefs(String self, Set<String> referenced) {
        private static final Pattern DESCRIPTOR_TYPE = Pattern.compile("L([A-Za-z0-9_$/]+)[;<]");

        static ClassRefs read(DataInputStream in) throws IOException {
            if (in.readInt() != 0xCAFEBABE) {
                throw new IOException("not a class file");
            }
            in.readUnsignedShort(); // minor
            in.readUnsignedShort(); // major
            int count = in.readUnsignedShort();
            String[] utf8 = new String[count];
            int[] classNameIndex = new int[count]; // Class entry → its name's Utf8 entry
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = in.readUTF();
                    case 7 -> classNameIndex[i] = in.readUnsignedShort();        // Class
                    case 8, 16, 19, 20 -> in.readUnsignedShort();                 // String, MethodType, Module, Package
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();             // 4-byte entries
                    case 15 -> {                                                  // MethodHandle
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    case 5, 6 -> {                                                // Long, Double: two slots
                        in.readLong();
                        i++;
                    }
                    default -> throw new IOException("unknown constant pool tag " + tag);
                }
            }
            in.readUnsignedShort(); // access flags
            String self = utf8[classNameIndex[in.readUnsignedShort()]];
            Set<String> refs = new TreeSet<>();
            for (int idx : classNameIndex) {
                if (idx == 0) {
                    continue;
                }
                String name = utf8[idx];
                if (name.startsWith("[")) {
                    addDescriptorTypes(name, refs);
                } else {
                    refs.add(name);
                }
            }
            for (String s : utf8) {
                if (s != null && s.indexOf('L') >= 0 && s.contains("org/sae4j/")) {
                    addDescriptorTypes(s, refs); // field and method descriptors, generic signatures
                }
            }
            return new ClassRefs(self, refs);
        }

        private static void addDescriptorTypes(String descriptor, Set<String> out) {
            Matcher m = DESCRIPTOR_TYPE.matcher(descriptor);
            while (m.find()) {
                out.add(m.group(1));
            }
        }
    }
}
