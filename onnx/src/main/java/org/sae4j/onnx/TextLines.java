package org.sae4j.onnx;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.sae4j.BadInputException;

/**
 * Strict UTF-8 lines ({@code \n} or {@code \r\n} endings, a leading BOM ignored), each decoded on its own so a
 * bad byte is reported with its own line number.
 */
final class TextLines implements AutoCloseable {
    private final Path file;
    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private byte[] buf = new byte[256];
    private long lineNo;
    private boolean eof;

    TextLines(Path file) throws IOException {
        this.file = file;
        try {
            this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + ": no such file (--text)");
        }
    }

    /** The next line without its ending, or null at the end of the file. */
    String next() throws IOException {
        if (eof) return null;
        int n = 0;
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (n == buf.length) buf = Arrays.copyOf(buf, n * 2);
            buf[n++] = (byte) b;
        }
        if (b < 0) {
            eof = true;
            if (n == 0) return null; // no text after the last newline
        }
        lineNo++;
        if (n > 0 && buf[n - 1] == '\r') n--;
        int off = 0;
        if (lineNo == 1 && n >= 3 && (buf[0] & 0xff) == 0xef && (buf[1] & 0xff) == 0xbb && (buf[2] & 0xff) == 0xbf) {
            off = 3;
        }
        try {
            return decoder.decode(ByteBuffer.wrap(buf, off, n - off)).toString();
        } catch (CharacterCodingException e) {
            throw new BadInputException(file + " line " + lineNo + ": bytes that are not UTF-8;"
                    + " expected UTF-8 text");
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
