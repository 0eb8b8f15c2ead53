package org.sae4j.features;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.sae4j.BadInputException;
import org.sae4j.train.Checkpoint;

/**
 * The output directory of feature statistics, shared by {@code sae4j features} and the Spark job: checked before any
 * work, then built in a hidden sibling and renamed into place, so it appears complete or not at all.
 */
public final class FeatureOutput {
    private FeatureOutput() {
    }

    /** OUT must be new, empty, or (with {@code force}) an earlier features directory; never a stranger's files. */
    public static void checkDir(Path dir, boolean force) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new BadInputException(dir + ": exists and is not a directory; expected a directory for the"
                    + " feature statistics");
        }
        if (Checkpoint.isAbsentOrEmpty(dir)) {
            return;
        }
        if (!Files.exists(dir.resolve(FeatureStatsWriter.INFO))) {
            throw new BadInputException(dir + ": exists and holds files that are not feature statistics; expected a"
                    + " new or empty directory");
        }
        if (!force) {
            throw new BadInputException(dir + ": already holds feature statistics; expected a new directory (pass"
                    + " --force to replace it)");
        }
    }

    /**
     * Writes the statistics and the page ({@link FeatureBrowserPage#FILE}) into a hidden sibling, then swaps it in
     * for {@code outDir} (the old one, with --force, is deleted after).
     */
    public static void writeAtomically(Path outDir, FeatureData f) throws IOException {
        outDir = outDir.toAbsolutePath().normalize();
        Path parent = outDir.getParent();
        Files.createDirectories(parent);
        String stem = "." + outDir.getFileName() + "." + Long.toHexString(System.nanoTime());
        Path tmp = parent.resolve(stem + ".tmp");
        Path old = parent.resolve(stem + ".old");
        boolean swapped = false;
        try {
            Files.createDirectory(tmp);
            FeatureStatsWriter.write(tmp, f);
            FeatureBrowserPage.write(tmp.resolve(FeatureBrowserPage.FILE), f);
            if (Files.exists(outDir)) {
                move(outDir, old);
            }
            try {
                move(tmp, outDir);
                swapped = true;
            } catch (IOException | RuntimeException e) {
                if (Files.exists(old)) {
                    move(old, outDir); // put the previous statistics back
                }
                throw e;
            }
        } finally {
            Checkpoint.deleteTree(tmp);
            if (swapped) {
                Checkpoint.deleteTree(old);
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }
}
