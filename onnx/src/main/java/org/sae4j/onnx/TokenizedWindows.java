package org.sae4j.onnx;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;

/**
 * The text's non-blank lines as tokenized windows of up to {@code size} documents, in file order, read and tokenized
 * one window ahead on a background thread so tokenizing overlaps the model run of the window before. The first
 * window comes ready-made (the counting pass kept it); reading resumes after its last line.
 */
final class TokenizedWindows implements AutoCloseable {
    /**
     * One window: its documents (or a long document's windows, see {@link TextTokenizer#encodeWindows}), each one's
     * 0-based line number in the text, and the last line it covers.
     */
    record Window(List<TextTokenizer.Tokens> docs, long[] lines, long lastLine) {}

    private final TextLines reader;
    private final Path where;
    private final TextTokenizer tokenizer;
    private final int size;
    private final Background ahead = new Background("sae4j-tokenize");
    private final long resumeAfter;
    private Window first;
    private long lineNo = -1;
    private boolean eof;
    private Future<Window> next;

    TokenizedWindows(Path text, TextTokenizer tokenizer, int size, Window first) throws IOException {
        this.reader = new TextLines(text);
        this.where = text;
        this.tokenizer = tokenizer;
        this.size = size;
        this.first = first;
        this.resumeAfter = first.lastLine();
        this.next = ahead.submit(this::read);
    }

    /** The next window, or null after the last. */
    Window next() throws IOException {
        if (first != null) {
            Window w = first;
            first = null;
            return w.docs().isEmpty() ? next() : w;
        }
        if (next == null) return null;
        Window w = Background.get(next);
        next = w == null || eof ? null : ahead.submit(this::read);
        return w;
    }

    private Window read() throws IOException {
        while (lineNo < resumeAfter) {
            if (reader.next() == null) {
                eof = true;
                return null;
            }
            lineNo++;
        }
        List<TextTokenizer.Tokens> docs = new ArrayList<>(size);
        long[] lines = new long[size];
        while (docs.size() < size) {
            String line = reader.next();
            if (line == null) {
                eof = true;
                break;
            }
            lineNo++;
            if (line.isBlank()) continue;
            for (TextTokenizer.Tokens t : tokenizer.encodeWindows(line, where + " line " + (lineNo + 1))) {
                if (lines.length == docs.size()) lines = java.util.Arrays.copyOf(lines, docs.size() * 2);
                lines[docs.size()] = lineNo;
                docs.add(t);
            }
        }
        return docs.isEmpty() ? null : new Window(docs, java.util.Arrays.copyOf(lines, docs.size()), lineNo);
    }

    @Override
    public void close() throws IOException {
        ahead.close();
        reader.close();
    }
}
