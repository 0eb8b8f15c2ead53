package org.sae4j.browser;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Without Chromium the browser tests fail (not skip) with one line saying how to install it. */
class HeadlessChromiumMissingTest {
    @Test
    void missingChromiumFailsWithTheInstallLine() {
        String before = System.getProperty("sae4j.chromium");
        System.setProperty("sae4j.chromium", "/nonexistent/chromium");
        try {
            assertThatThrownBy(() -> HeadlessChromium.start(800, 600)).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("apt-get install -y chromium").hasMessageNotContaining("\n");
        } finally {
            if (before == null) {
                System.clearProperty("sae4j.chromium");
            } else {
                System.setProperty("sae4j.chromium", before);
            }
        }
    }
}
