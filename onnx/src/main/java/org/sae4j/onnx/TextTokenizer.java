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
    /** One tokenized document. */
    public record Tokens(long[] ids, long[] typeIds, boolean[] special, String[] text, boolean truncated) {
        public int length() {
            return ids.length;
        }

        /** Number of rows this document contributes. */
        public int rows(boolean keepSpecial) {
            if (keepSpecial) return ids.length;
            int n = 0;
            for (boolean s : special) {
                if (!s) n++;
            }
            return n;
        }
    }

    private final HuggingFaceTokenizer tokenizer;
    private final int maxTokens;

    /** Builds the tokenizer from the json text; {@code source} names it in errors. */
    public TextTokenizer(byte[] tokenizerJson, String source, int maxTokens) throws IOException {
        if (maxTokens < 2) throw new BadInputException("activations --max-tokens " + maxTokens + ": expected >= 2");
        this.maxTokens = maxTokens;
        Map<String, String> options = Map.of(
                "addSpecialTokens", "true",
                "padding", "false",
                "truncation", "true",
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
