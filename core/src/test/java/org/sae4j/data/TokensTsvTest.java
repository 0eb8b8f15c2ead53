package org.sae4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sae4j.BadInputException;

/** The tokens.tsv contract: escapes, the header, one line per row in order, one-line errors with line numbers. */
class TokensTsvTest {
    @TempDir
    Path dir;

    @Test
    void windowedFilesCarryAWindowColumnAndCheckItsFields() throws IOException {
        Path f = dir.resolve("w.tsv");
        try (TokensTsv.TokenWriter w = TokensTsv.writer(f, true)) {
            w.write(0, 3, 0, 1, "the");
            w.write(1, 3, 1, 1, "##ing\t");
            w.commit();
        }
        assertThat(Files.readString(f)).startsWith("row\tdocument\twindow\tposition\ttoken\n0\t3\t0\t1\tthe\n");
        List<String> seen = new ArrayList<>();
        try (TokensTsv.TokenReader r = TokensTsv.reader(f)) {
            while (r.next()) {
                seen.add(r.row() + "/" + r.document() + "/" + r.window() + "/" + r.position() + "/" + r.token());
            }
        }
        assertThat(seen).containsExactly("0/3/0/1/the", "1/3/1/1/##ing\t");
        // a 4-field line in a windowed file names what it lacks
        Files.writeString(f, TokensTsv.HEADER_WINDOWS + "\n0\t3\t1\tthe\n");
        assertThatThrownBy(() -> {
            try (TokensTsv.TokenReader r = TokensTsv.reader(f)) {
                r.next();
            }
        }).isInstanceOf(BadInputException.class).hasMessage(f + ": line 2: has 4 fields; expected 5 tab-separated"
                + " fields: row, document, window, position, token");
        try (TokensTsv.TokenWriter w = TokensTsv.writer(dir.resolve("plain.tsv"))) {
            assertThatThrownBy(() -> w.write(0, 0, 0, 0, "x")).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void escapesRoundTrip() {
        for (String s : List.of("", "plain", "Ġthe", "##ing", "a\tb", "line\nbreak", "cr\r", "back\\slash", "\\t",
                "\\\\n\t\n")) {
            String e = TokensTsv.escape(s);
            assertThat(e).doesNotContain("\t", "\n", "\r");
            assertThat(TokensTsv.unescape(e)).isEqualTo(s);
        }
        assertThat(TokensTsv.escape("a\\b\tc")).isEqualTo("a\\\\b\\tc");
        assertThatThrownBy(() -> TokensTsv.unescape("a\\x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokensTsv.unescape("a\\")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writerAndReaderRoundTrip() throws IOException {
        Path f = dir.resolve("tokens.tsv");
        List<String> toks = List.of("[CLS]", "Ġhello", "\tx\n", "wor\\ld");
        try (TokensTsv.TokenWriter w = TokensTsv.writer(f)) {
            for (int i = 0; i < toks.size(); i++) {
                w.write(i / 2, i % 2 + 1, toks.get(i));
            }
            w.commit();
        }
        assertThat(Files.readString(f)).startsWith("row\tdocument\tposition\ttoken\n0\t0\t1\t[CLS]\n")
                .contains("2\t1\t1\t\\tx\\n\n", "3\t1\t2\twor\\\\ld\n");
        List<String> back = new ArrayList<>();
        try (TokensTsv.TokenReader r = TokensTsv.reader(f)) {
            while (r.next()) {
                assertThat(r.row()).isEqualTo(back.size());
                assertThat(r.document()).isEqualTo(back.size() / 2);
                assertThat(r.position()).isEqualTo(back.size() % 2 + 1);
                back.add(r.token());
            }
        }
        assertThat(back).isEqualTo(toks);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "row\tdoc\tposition\ttoken\n0\t0\t0\ta\n|line 1: header",
        "row\tdocument\tposition\ttoken\n1\t0\t0\ta\n|line 2: row 1 follows row -1",
        "row\tdocument\tposition\ttoken\n0\t0\t0\ta\n2\t0\t1\tb\n|line 3: row 2 follows row 0",
        "row\tdocument\tposition\ttoken\n0\t0\t0\n|line 2: has 3 fields",
        "row\tdocument\tposition\ttoken\n0\t0\t0\ta\tb\n|line 2: has 5 fields",
        "row\tdocument\tposition\ttoken\n0\t-1\t0\ta\n|line 2: document '-1'",
        "row\tdocument\tposition\ttoken\n0\t0\tx\ta\n|line 2: position 'x'",
        "row\tdocument\tposition\ttoken\n0\t0\t0\ta\\q\n|line 2: token has unknown escape",
        "|line 1: file is empty",
        "row\tdocument\tposition\ttoken\r\n0\t0\t0\ta\r\n|line 1: has a raw carriage return",
        "row\tdocument\tposition\ttoken\n0\t0\t0\ta\rb\n|line 2: has a raw carriage return",
    })
    void refusesAnythingElseWithTheLine(String c) throws IOException {
        String[] parts = c.split("\\|");
        Path f = dir.resolve("bad.tsv");
        Files.writeString(f, parts[0], StandardCharsets.UTF_8);
        assertThatThrownBy(() -> {
            try (TokensTsv.TokenReader r = TokensTsv.reader(f)) {
                while (r.next()) {
                    // read to the end
                }
            }
        }).isInstanceOf(BadInputException.class).hasMessageStartingWith(f + ": " + parts[1])
                .hasMessageNotContaining("\n");
    }

    @Test
    void subsetReaderAcceptsGapsButNotDisorder() throws IOException {
        Path f = dir.resolve("ctx.tsv");
        Files.writeString(f, "row\tdocument\tposition\ttoken\n4\t0\t0\ta\n9\t1\t0\tb\n");
        try (TokensTsv.TokenReader r = TokensTsv.subsetReader(f)) {
            assertThat(r.next()).isTrue();
            assertThat(r.next()).isTrue();
            assertThat(r.row()).isEqualTo(9);
            assertThat(r.next()).isFalse();
        }
        Files.writeString(f, "row\tdocument\tposition\ttoken\n4\t0\t0\ta\n4\t1\t0\tb\n");
        assertThatThrownBy(() -> {
            try (TokensTsv.TokenReader r = TokensTsv.subsetReader(f)) {
                while (r.next()) {
                    // read to the end
                }
            }
        }).hasMessageContaining("line 3: row 4 follows row 4");
    }
}
