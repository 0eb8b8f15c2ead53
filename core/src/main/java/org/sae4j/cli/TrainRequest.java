package org.sae4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sae4j.BadInputException;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * {@code train}'s command line, checked before any file is read (but {@code --out}'s, which must not be a
 * stranger's): where the run's rows come from and where it goes, how it starts, logs, evaluates and saves. What the
 * run trains with (architecture, hyper-parameters) is {@link TrainPlan}'s, from {@link #args}.
 *
 * @param argv    the command line as typed (the report shows it)
 * @param args    the parsed options
 * @param sameDir {@code --resume DIR} saving into DIR itself (so DIR's checkpoint is the last good one already)
 */
record TrainRequest(String[] argv, Args args, Path data, Path target, Path resume, Path init, Path out,
                    boolean sameDir, boolean json, boolean quiet, Path report, long checkpointEvery, long logEvery,
                    Path evalData, Path evalTarget, long evalEvery, long evalRows, boolean retrySaves, int threads) {

    static TrainRequest parse(String[] argv) throws IOException {
        Args a = TrainOptions.TABLE.parse(argv, 0);
        Path dataPath = a.required(TrainOptions.DATA);
        Path resumeDir = path(a, TrainOptions.RESUME);
        Path initDir = path(a, TrainOptions.INIT);
        if (resumeDir != null) {
            ResumeOptions.checkNotWithResume(a);
        }
        Path outDir = path(a, TrainOptions.OUT);
        if (outDir == null) {
            if (resumeDir == null) {
                throw new BadInputException("train: --out DIR is required (where checkpoints go)");
            }
            outDir = resumeDir;
        }
        if (a.given(TrainOptions.STEPS) && a.given(TrainOptions.EPOCHS)) {
            throw new BadInputException("train: --steps and --epochs both given; expected one of them");
        }
        Path report = path(a, TrainOptions.REPORT);
        long checkpointEvery = a.get(TrainOptions.CHECKPOINT_EVERY);
        long logEvery = a.get(TrainOptions.LOG_EVERY);
        if (checkpointEvery < 0) {
            throw new BadInputException("train --checkpoint-every " + checkpointEvery + ": expected ≥ 0 (0 = only at"
                    + " the end)");
        }
        if (logEvery <= 0) {
            throw new BadInputException("train --log-every " + logEvery + ": expected a positive number of steps");
        }
        Path evalPath = path(a, TrainOptions.EVAL_DATA);
        Path targetPath = path(a, TrainOptions.TARGET);
        Path evalTargetPath = path(a, TrainOptions.EVAL_TARGET);
        checkHeldOut(a, evalPath, targetPath, evalTargetPath);
        boolean retrySaves = switch (a.get(TrainOptions.ON_SAVE_ERROR)) {
            case "stop" -> false;
            case "retry" -> true;
            default -> throw new BadInputException("train --on-save-error " + a.get(TrainOptions.ON_SAVE_ERROR)
                    + ": expected stop (end the run, exit 1) or retry (train on, try again at the next checkpoint)");
        };
        int threads = Models.threads(a);
        boolean sameDir = resumeDir != null && resumeDir.toAbsolutePath().normalize()
                .equals(outDir.toAbsolutePath().normalize());
        if (!sameDir) {
            checkOutDir(outDir, a.get(TrainOptions.FORCE));
        }
        return new TrainRequest(argv, a, dataPath, targetPath, resumeDir, initDir, outDir, sameDir,
                a.get(TrainOptions.JSON), a.get(TrainOptions.QUIET), report, checkpointEvery,
                logEvery, evalPath, evalTargetPath, a.get(TrainOptions.EVAL_EVERY), a.get(TrainOptions.EVAL_ROWS),
                retrySaves, threads);
    }

    /** The held-out options: a transcoder's held-out rows come with their targets; counts ≥ 0, only with rows. */
    private static void checkHeldOut(Args a, Path evalPath, Path targetPath, Path evalTargetPath) {
        if (evalTargetPath != null && (targetPath == null || evalPath == null)) {
            throw new BadInputException("train --eval-target: only with --target and --eval-data (a transcoder's"
                    + " held-out inputs and targets)");
        }
        if (targetPath != null && evalPath != null && evalTargetPath == null) {
            throw new BadInputException("train --eval-data " + evalPath + ": a transcoder's held-out rows need their"
                    + " targets; expected --eval-target PATH");
        }
        long evalEvery = a.get(TrainOptions.EVAL_EVERY);
        long evalRows = a.get(TrainOptions.EVAL_ROWS);
        if (evalEvery < 0 || evalRows < 0) {
            throw new BadInputException("train --eval-" + (evalEvery < 0 ? "every " + evalEvery : "rows " + evalRows)
                    + ": expected ≥ 0 (0 = " + (evalEvery < 0 ? "only at the end)" : "all rows)"));
        }
        if (evalPath == null && (a.given(TrainOptions.EVAL_EVERY) || a.given(TrainOptions.EVAL_ROWS))) {
            throw new BadInputException("train: --eval-every and --eval-rows need --eval-data PATH (the held-out rows)");
        }
    }

    /** The directory the run resumes or starts from ({@code --resume}, else {@code --init}), or null for a fresh run. */
    Path from() {
        return resume != null ? resume : init;
    }

    /** The given path, or null; an empty one is refused (it would name the working directory). */
    private static Path path(Args a, Opt<Path> option) {
        String v = a.text(option);
        if (v != null && v.isBlank()) {
            throw new BadInputException("train " + option.name() + ": expected a path, got an empty string");
        }
        return v == null ? null : a.get(option);
    }

    /** The out dir must be new, empty, or (with --force) a sae4j model; never a stranger's files. */
    static void checkOutDir(Path dir, boolean force) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new BadInputException(dir + ": exists and is not a directory; expected a directory for the model");
        }
        if (Checkpoint.exists(dir)) {
            if (!force) {
                throw new BadInputException(dir + ": already holds a sae4j model; expected a new directory (pass"
                        + " --force to replace it, or --resume " + dir + " to continue it)");
            }
        } else if (!Checkpoint.isAbsentOrEmpty(dir)) {
            throw new BadInputException(dir + ": exists and holds files that are not a sae4j model; expected a new or"
                    + " empty directory (sae4j replaces the whole directory at each checkpoint)");
        }
    }
}
