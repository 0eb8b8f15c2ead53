package org.sae4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.BadInputException;

class TokensTsvTest {
    @Test
    void escapeRoundTripsEveryAwkwardToken() {
        for (String s : List.of("", "plain", "##ing", "Ġthe", "a\tb", "line\nbreak", "cr\r", "back\\slash",
                "\\t literally", "\\\\n", "ünïcödé ✓")) {
            String e = TokensTsv.escape(s);
            assertThat(e).doesNotContain("\t", "\n", "\r");
            assertThat(TokensTsv.unescape(e)).isEqualTo(s);
        }
        assertThat(TokensTsv.escape("a\tb\\")).isEqualTo("a\\tb\\\\");
        assertThatThrownBy(() -> TokensTsv.unescape("bad\\x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokensTsv.unescape("lone\\")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writerAndReaderRoundTrip(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TokensTsv.Writer w = new TokensTsv.Writer(bytes)) {
            w.write(0, 0, 1, "hello");
            w.write(1, 0, 2, "a\tb");
            w.write(2, 3, 1, "new\nline");
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).isEqualTo("row\tdocument\tposition\ttoken\n0\t0\t1\thello\n1\t0\t2\ta\\tb\n"
                + "2\t3\t1\tnew\\nline\n");
        Path f = tmp.resolve("tokens.tsv");
        Files.writeString(f, text);
        List<TokensTsv.Entry> read = new ArrayList<>();
        try (TokensTsv.Reader r = new TokensTsv.Reader(f)) {
            TokensTsv.Entry e;
            while ((e = r.next()) != null) read.add(e);
        }
        assertThat(read).containsExactly(new TokensTsv.Entry(0, 0, 1, "hello"), new TokensTsv.Entry(1, 0, 2, "a\tb"),
                new TokensTsv.Entry(2, 3, 1, "new\nline"));
    }

    @Test
    void writerRefusesRowsOutOfOrder() throws Exception {
        try (TokensTsv.Writer w = new TokensTsv.Writer(new ByteArrayOutputStream())) {
            w.write(0, 0, 0, "x");
            assertThatThrownBy(() -> w.write(2, 0, 1, "y")).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void readerNamesFileAndLineOfAnythingElse(@TempDir Path tmp) throws Exception {
        String h = "row\tdocument\tposition\ttoken\n";
        String[][] cases = {
            {"", "line 1: empty file"},
            {"row,document,position,token\n", "line 1: header"},
            {h + "0\t0\t1\n", "line 2: 3 tab-separated fields"},
            {h + "0\t0\t1\tok\n2\t0\t2\tskip\n", "line 3: row 2; expected row 1"},
            {h + "0\t-1\t1\tx\n", "line 2: document '-1'"},
            {h + "0\t0\tfirst\tx\n", "line 2: position 'first'"},
            {h + "0\t0\t1\tbad\\q\n", "line 2: token field with unknown escape"},
        };
        for (String[] c : cases) {
            Path f = tmp.resolve("tokens.tsv");
            Files.writeString(f, c[0]);
            assertThatThrownBy(() -> {
                try (TokensTsv.Reader r = new TokensTsv.Reader(f)) {
                    while (r.next() != null) {
                        // read to the end
                    }
                }
            }).isInstanceOf(BadInputException.class).hasMessageContaining(f + " " + c[1]);
        }
        Path latin = tmp.resolve("latin.tsv");
        Files.write(latin, ("row\tdocument\tposition\ttoken\n0\t0\t1\tok\n1\t0\t2\tcaf")
                .getBytes(StandardCharsets.UTF_8));
        Files.write(latin, new byte[] {(byte) 0xe9, '\n'}, java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> {
            try (TokensTsv.Reader r = new TokensTsv.Reader(latin)) {
                while (r.next() != null) {
                    // read to the end
                }
            }
        }).isInstanceOf(BadInputException.class).hasMessageContaining(latin + " line 3: bytes that are not UTF-8");
    }
}
