package org.sae4j.features;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sae4j.BadInputException;
import org.sae4j.io.AtomicFiles;

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
        if (AtomicFiles.isAbsentOrEmpty(dir)) {
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
     * for {@code outDir} whole ({@link AtomicFiles#replaceDirectory}; the old one, with --force, is deleted after).
     */
    public static void writeAtomically(Path outDir, FeatureData f) throws IOException {
        AtomicFiles.replaceDirectory(outDir.toAbsolutePath().normalize(), dir -> {
            FeatureStatsWriter.write(dir, f);
            FeatureBrowserPage.write(dir.resolve(FeatureBrowserPage.FILE), f);
        });
    }
}
