package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sae4j.BadInputException;

/** The shared option parser: values, repeated options (activations --output A --output B), flags, typos. */
class ArgsTest {
    @Test
    void repeatedOptionsKeepEveryValueInOrderAndTheLastForString() {
        Args a = new Args("activations", new String[] {"activations", "--output", "a", "--output=b/c", "--force",
                "--batch", "16"}, 1, Set.of("--output", "--batch"), Set.of("--force"));
        assertThat(a.all("--output")).containsExactly("a", "b/c");
        assertThat(a.string("--output", null)).isEqualTo("b/c");
        assertThat(a.all("--batch")).containsExactly("16");
        assertThat(a.all("--missing")).isEmpty();
        assertThat(a.integer("--batch", 32)).isEqualTo(16);
        assertThat(a.flag("--force")).isTrue();
    }

    @Test
    void anUndeclaredOptionOrAMissingValueIsOneLine() {
        assertThatThrownBy(() -> new Args("x", new String[] {"--bogus"}, 0, Set.of("--a"), Set.of()))
                .isInstanceOf(BadInputException.class).hasMessageContaining("x: unknown option '--bogus'");
        assertThatThrownBy(() -> new Args("x", new String[] {"--a"}, 0, Set.of("--a"), Set.of()))
                .isInstanceOf(BadInputException.class).hasMessage("x --a: expected a value after it");
    }
}
