package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sae4j.BadInputException;

/** The shared option parser: values, repeated options (activations --output A --output B), flags, typos. */
class ArgsTest {
    private static OptionTable table(String command, Option... options) {
        return OptionTable.of(command, "a test command", List.of(), List.of(options));
    }

    @Test
    void repeatedOptionsKeepEveryValueInOrderAndTheLastForString() {
        OptionTable t = table("activations", Option.repeatable("--output", "DIR", "where"),
                Option.valued("--batch", "B", "rows"), Option.valued("--missing", "M", "never given"),
                Option.flag("--force", "replace"));
        Args a = t.parse(new String[] {"activations", "--output", "a", "--output=b/c", "--force", "--batch", "16"}, 1);
        assertThat(a.all("--output")).containsExactly("a", "b/c");
        assertThat(a.string("--output", null)).isEqualTo("b/c");
        assertThat(a.all("--batch")).containsExactly("16");
        assertThat(a.all("--missing")).isEmpty();
        assertThat(a.integer("--batch", 32)).isEqualTo(16);
        assertThat(a.flag("--force")).isTrue();
    }

    @Test
    void anUndeclaredOptionOrAMissingValueIsOneLine() {
        OptionTable t = table("x", Option.valued("--a", "A", "a value"));
        assertThatThrownBy(() -> t.parse(new String[] {"--bogus"}, 0))
                .isInstanceOf(BadInputException.class).hasMessageContaining("x: unknown option '--bogus'");
        assertThatThrownBy(() -> t.parse(new String[] {"--a"}, 0))
                .isInstanceOf(BadInputException.class).hasMessage("x --a: expected a value after it");
    }
}
