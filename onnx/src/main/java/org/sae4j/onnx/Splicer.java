package org.sae4j.onnx;

import java.util.List;
import org.sae4j.BadInputException;

/**
 * The same model twice: uncut, fetching the hook tensor and the measured output (the clean run), and cut at the
 * hook ({@link OnnxGraph#withInputAt}), fed a replacement of the hook and fetching the measured output. The cut
 * session is made on the first {@link #spliced} call, when the clean run has told the hook's width (a static
 * width keeps ONNX Runtime's shape-dependent optimisations those of the clean graph).
 */
public final class Splicer implements AutoCloseable {
    /** One clean batch: the hook and the measured output, each {@code [batch, seq, width]} flattened. */
    public record Clean(int batch, int seq, int hookWidth, float[] hook, int outWidth, float[] out) {}

    private final ModelSource source;
    private final OnnxGraph graph;
    private final String hook;
    private final String output;
    private final int threads;
    private final OnnxRunner clean;
    private OnnxRunner cut;
    private int cutWidth;

    /** Checks {@code hook} and {@code output} against the graph and starts the clean session. */
    public Splicer(ModelSource source, OnnxGraph graph, String hook, String output, int threads) {
        if (graph.feedInputs().contains(hook)) {
            throw new BadInputException(source.model() + ": '" + hook + "' is a graph input, not a computed tensor;"
                    + " expected an intermediate tensor to splice at (see activations --list-outputs)");
        }
        if (!graph.isComputed(hook)) {
            throw new BadInputException(source.model() + ": has no tensor named '" + hook + "' (--output); expected"
                    + " an intermediate tensor (see activations --list-outputs)");
        }
        if (hook.equals(output)) {
            throw new BadInputException(source.model() + ": --output " + hook + " is the measured output itself;"
                    + " expected a tensor before it (--measure names the output)");
        }
        if (graph.consumers(hook).isEmpty()) {
            throw new BadInputException(source.model() + ": nothing reads '" + hook + "', so splicing it changes"
                    + " no output; expected a tensor that later layers read");
        }
        this.source = source;
        this.graph = graph;
        this.hook = hook;
        this.output = output;
        this.threads = threads;
        this.clean = new OnnxRunner(source, graph, List.of(hook, output), threads);
    }

    public String hook() {
        return hook;
    }

    public String output() {
        return output;
    }

    /** The clean run of a batch. */
    public Clean clean(List<TextTokenizer.Tokens> docs) {
        OnnxRunner.Batch r = clean.run(docs);
        return new Clean(r.batch(), r.seq(), r.widths()[0], r.values()[0], r.widths()[1], r.values()[1]);
    }

    /**
     * The measured output with the hook tensor replaced by {@code hookValues} ({@code [batch, seq, width]} as the
     * clean run of the same batch laid it out).
     */
    public float[] spliced(List<TextTokenizer.Tokens> docs, float[] hookValues, int width) {
        if (cut == null) {
            cut = new OnnxRunner(source, graph, List.of(output), threads, hook, width);
            cutWidth = width;
        } else if (width != cutWidth) {
            throw new IllegalArgumentException("hook width " + width + " after " + cutWidth);
        }
        return cut.run(docs, hookValues).values()[0];
    }

    @Override
    public void close() {
        try (OnnxRunner c = cut) {
            clean.close();
        }
    }
}
