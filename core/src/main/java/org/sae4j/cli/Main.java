package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.sae4j.BadInputException;

/**
 * The {@code sae4j} command line. Exit codes: 0 ok, 2 bad usage or bad input (one line on stderr naming what and
 * where), 1 internal error.
 */
public final class Main {
    static final String USAGE = """
            usage: sae4j <command> [options]
              train    train an SAE on a .npy file (or a directory of .npy shards), checkpointing into --out
                       --data PATH --out DIR --latents N [--activation topk|batchtopk|jumprelu|relu] [--k K]
                       [--batch B (1024)] [--epochs E (1) | --steps S] [--lr LR (5e-4)]
                       [--optimizer adam|sgd] [--clip-grad C (1.0, 0 = off)] [--warmup-steps W (0)]
                       [--reanimation COEF (1e-3)] [--reanimation-form seed|overcomplete]
                       [--reanimation-anneal START:END (linear to 0)]
                       [--reanimation-schedule constant|linear:START:END|cosine:START:END|auto:DEAD:PATIENCE]
                       [--l1 C (relu, 1e-3)] [--l0 C (jumprelu, 1e-3)]
                       [--auxk COEF (0 = off)] [--auxk-k K (0 = dim/2)] [--dead-window TOKENS (1e7)]
                       [--reanimation-mask batch|window] [--decoder-bias-init mean|median]
                       [--encoder-init-scale S (1.0)]
                       [--standardize none|feature|norm] [--threads T] [--seed S (0)]
                       [--checkpoint-every N (1000 steps, 0 = end only)] [--log-every N (100)]
                       [--json] [--report FILE.html] [--quiet] [--force] [--on-save-error stop|retry]
                       SIGTERM/SIGINT: finish the step, save, exit 143/130 (a second one aborts at once)
                       --init DIR   start from that model's weights (fresh optimizer)
                       --resume DIR continue that run exactly (--steps/--epochs count from its start)
              eval     --model DIR --data PATH [--json] [--batch B] [--threads T]
                       mse, R2 (scalar mean and per-feature explained variance), L0, dead %
              encode   --model DIR --data PATH --out BASE [--k K] [--dense] [--batch B] [--threads T] [--force]
                       top-k codes as BASE.indices.npy (int32) + BASE.values.npy (float32), or BASE.npy dense
              inspect  --model DIR [--json]
                       config, shapes, parameter norms, dictionary collinearity, trainer state
              export   --model DIR --format saelens|sparsify --out DIR [--features DIR (saelens: sparsity.safetensors)]
                       write the model as a SAELens v6 or sparsify folder (refuses what the format cannot express)
              --model DIR of eval, encode, inspect, export, train --init also reads SAELens, sparsify and Gemma Scope
                       folders: [--format sae4j|saelens|sparsify|gemmascope] [--hookpoint NAME (sparsify run)]
                       [--scaling-factor F (SAELens expected_average_only_in)]
              features --model DIR --data PATH --out DIR [--tokens tokens.tsv] [--top N (20)] [--context C (8)]
                       [--dense-threshold F (0.1)] [--batch B] [--force]
                       per-latent statistics (frequency, mean, max, top rows) + OUT/index.html feature browser
              demo     train a TopK SAE with re-animation on synthetic planted-dictionary data
                       [--epochs E] [--seed S] [--threads T] [--reanimation COEF] [--no-baseline]
              experiment dead-codes [--quick] [--out DIR (src/docs)]
                       every dead-latent remedy on one dead-prone data set: table + SVG curves
              activations  token activations of a transformer (ONNX model + tokenizer.json, or
                       builtin:all-minilm-l6-v2) as .npy shards that train reads; runs through ./sae4j (the optional
                       onnx module): ./sae4j activations --onnx MODEL --text FILE --out DIR [--output NAME ...]
                       [--list-outputs] ... (./sae4j activations --help for all options)
              spark    features | encode on Apache Spark in local mode; runs through ./sae4j (the optional spark
                       module): ./sae4j spark features --model DIR --data PATH --out DIR ... (src/docs/spark.md)
              help     this text
            exit codes: 0 ok, 2 bad usage or input (one line on stderr), 1 internal error
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command, printing to {@code out}/{@code err}, and returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return exitCode(() -> {
            switch (args[0]) {
                case "train" -> Train.run(rest, out, err);
                case "eval" -> Eval.run(rest, out);
                case "encode" -> Encode.run(rest, out);
                case "inspect" -> Inspect.run(rest, out);
                case "export" -> Export.run(rest, out);
                case "features" -> Features.run(rest, out);
                case "demo" -> Demo.run(rest, out);
                case "experiment" -> Experiment.run(rest, out);
                case "activations" -> throw new BadInputException("activations runs through ./sae4j (the optional"
                        + " onnx module: org.sae4j.onnx.cli.ActivationsCommand)");
                case "spark" -> throw new BadInputException("spark runs through ./sae4j (the optional spark module:"
                        + " org.sae4j.spark.Main) or spark-submit");
                case "help", "-h", "--help" -> out.print(USAGE);
                default -> throw new BadInputException("unknown command '" + args[0]
                        + "'; expected train, eval, encode, activations, inspect, export, features, spark, demo,"
                        + " experiment or help");
            }
        }, err);
    }

    /** What a command may throw; {@link #exitCode} maps it. */
    @FunctionalInterface
    public interface Command {
        void run() throws IOException;
    }

    /**
     * Runs {@code command} and maps how it ended to the exit code, printing one line to {@code err}: 0 ok, 2 bad
     * input, {@link CommandExit}'s own code, 1 for I/O and internal errors. Optional modules' commands use it too.
     */
    public static int exitCode(Command command, PrintStream err) {
        try {
            command.run();
            return 0;
        } catch (BadInputException e) {
            err.println("sae4j: " + e.getMessage());
            return 2;
        } catch (CommandExit e) {
            err.println("sae4j: " + e.getMessage());
            return e.code();
        } catch (IOException | UncheckedIOException e) {
            // Not the user's input (that is a BadInputException): disk full, permissions, a vanished file.
            // NIO exceptions often carry only a path as message: the class name says what went wrong.
            Throwable c = e instanceof UncheckedIOException u ? u.getCause() : e;
            err.println("sae4j: I/O error: " + c);
            return 1;
        } catch (RuntimeException | Error e) {
            err.println("sae4j: internal error: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }
}
