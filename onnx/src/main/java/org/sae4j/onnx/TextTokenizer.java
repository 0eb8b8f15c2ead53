package org.sae4j.onnx;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;
import org.sae4j.BadInputException;

/**
 * A Hugging Face {@code tokenizer.json} through DJL's tokenizers binding (the Rust {@code tokenizers} library, so
 * the ids, special tokens and truncation are exactly those of the Python stack), with sae4j's settings forced over
 * whatever the json carries: special tokens added, no padding (the runner pads), truncation at {@code maxTokens}
 * with the special tokens kept (a truncated BERT input still ends in [SEP]).
 */
public final class TextTokenizer implements AutoCloseable {
    /**
     * One tokenized document, or one window of a long one ({@link #windows}): the model runs all of it, and its rows
     * are the tokens from {@code emitFrom} on (special ones unless kept), so tokens an earlier overlapping window
     * already gave are not repeated.
     */
    public record Tokens(long[] ids, long[] typeIds, boolean[] special, String[] text, boolean truncated, int window,
            int emitFrom) {
        /** A whole document. */
        public Tokens(long[] ids, long[] typeIds, boolean[] special, String[] text, boolean truncated) {
            this(ids, typeIds, special, text, truncated, 0, 0);
        }

        public int length() {
            return ids.length;
        }

        /** Whether token j is one of this document's rows. */
        public boolean emits(int j, boolean keepSpecial) {
            return j >= emitFrom && (keepSpecial || !special[j]);
        }

        /** Number of rows this document contributes. */
        public int rows(boolean keepSpecial) {
            int n = 0;
            for (int j = 0; j < ids.length; j++) {
                if (emits(j, keepSpecial)) n++;
            }
            return n;
        }
    }

    private final HuggingFaceTokenizer tokenizer;
    private final int maxTokens;
    private final int stride;

    /** Builds the tokenizer from the json text; {@code source} names it in errors. */
    public TextTokenizer(byte[] tokenizerJson, String source, int maxTokens) throws IOException {
        this(tokenizerJson, source, maxTokens, 0);
    }

    /**
     * As above; with {@code stride > 0} nothing is truncated: {@link #encodeWindows} cuts a long document into
     * windows of {@code maxTokens} tokens, each starting {@code stride} content tokens after the one before
     * ({@link Integer#MAX_VALUE}: as many as a window holds, so windows do not overlap).
     */
    public TextTokenizer(byte[] tokenizerJson, String source, int maxTokens, int stride) throws IOException {
        if (maxTokens < 2) throw new BadInputException("activations --max-tokens " + maxTokens + ": expected >= 2");
        if (stride < 0) throw new BadInputException("activations --stride " + stride + ": expected >= 1");
        this.maxTokens = maxTokens;
        this.stride = stride;
        Map<String, String> options = stride > 0
                ? Map.of("addSpecialTokens", "true", "padding", "false", "truncation", "false")
                : Map.of("addSpecialTokens", "true", "padding", "false", "truncation", "true",
                        "maxLength", Integer.toString(maxTokens));
        try {
            this.tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), options);
        } catch (RuntimeException e) {
            // The Rust side reports serde errors ("expected value at line 1 column 1") as a RuntimeException.
            throw new BadInputException(source + ": not a Hugging Face tokenizer.json (" + oneLine(e) + ")", e);
        }
    }

    public int maxTokens() {
        return maxTokens;
    }

    /** Tokenizes one document (special tokens added, truncated to {@code maxTokens}). */
    public Tokens encode(String text) {
        Encoding e = tokenizer.encode(text, true, false);
        long[] ids = e.getIds();
        long[] mask = e.getSpecialTokenMask();
        boolean[] special = new boolean[ids.length];
        for (int i = 0; i < ids.length; i++) special[i] = mask[i] != 0;
        return new Tokens(ids, e.getTypeIds(), special, e.getTokens(), e.exceedMaxLength());
    }

    /** Whether {@link #encodeWindows} cuts documents into windows (else {@link #encode} truncates them). */
    public boolean windowed() {
        return stride > 0;
    }

    /**
     * One document as the model sees it: whole if it fits in {@code maxTokens}; else, when {@link #windowed}, as
     * consecutive windows of at most {@code maxTokens} tokens, each with the document's own leading and trailing
     * special tokens ([CLS] … [SEP]) around {@code maxTokens − specials} content tokens, window w starting at
     * content token {@code w · stride}, until the content is covered. A token's row comes from the first window
     * that holds it (the one where it has the most context before it); otherwise {@link #encode}'s truncation.
     */
    public java.util.List<Tokens> encodeWindows(String text, String where) {
        Tokens full = encode(text);
        if (!windowed() || full.length() <= maxTokens) return java.util.List.of(full);
        int lead = 0;
        while (lead < full.length() && full.special()[lead]) lead++;
        int trail = 0;
        while (trail < full.length() - lead && full.special()[full.length() - 1 - trail]) trail++;
        int content = full.length() - lead - trail;
        int room = maxTokens - lead - trail;
        if (room < 1) {
            throw new BadInputException(where + ": --window " + maxTokens + " leaves no room beside the " + (lead
                    + trail) + " special tokens each window repeats; expected a window > " + (lead + trail));
        }
        int step = stride == Integer.MAX_VALUE ? room : stride;
        if (step > room) {
            throw new BadInputException(where + ": --stride " + stride + " skips tokens: each window holds " + room
                    + " content tokens beside its " + (lead + trail) + " special ones; expected --stride <= " + room);
        }
        java.util.List<Tokens> out = new java.util.ArrayList<>();
        int covered = 0;
        for (int start = 0, w = 0; covered < content; start += step, w++) {
            int end = Math.min(content, start + room);
            int len = lead + (end - start) + trail;
            long[] ids = new long[len];
            long[] types = new long[len];
            boolean[] special = new boolean[len];
            String[] tokens = new String[len];
            for (int i = 0; i < len; i++) {
                int src = i < lead ? i : i < lead + (end - start) ? lead + start + (i - lead)
                        : full.length() - trail + (i - lead - (end - start));
                ids[i] = full.ids()[src];
                types[i] = full.typeIds()[src];
                special[i] = full.special()[src];
                tokens[i] = full.text()[src];
            }
            // Window 0 gives all its rows; a later one its content from the first token not yet covered on.
            int emitFrom = w == 0 ? 0 : lead + (covered - start);
            out.add(new Tokens(ids, types, special, tokens, false, w, emitFrom));
            covered = end;
        }
        return out;
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return (nl >= 0 ? m.substring(0, nl) : m).strip();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
