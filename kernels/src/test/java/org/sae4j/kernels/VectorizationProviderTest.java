package org.sae4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VectorizationProviderTest {

    @Test
    void honoursTheForcedMode() {
        String forced = System.getProperty(VectorizationProvider.PROPERTY);
        VectorizationProvider p = VectorizationProvider.getInstance();
        if (forced != null && !forced.equals("auto")) {
            assertThat(p.name()).isEqualTo(forced);
        }
        assertThat(p.vectorOps()).isNotNull();
    }

    @Test
    void scalarCanAlwaysBeForced() {
        assertThat(VectorizationProvider.lookup("scalar").name()).isEqualTo("scalar");
        assertThat(VectorizationProvider.lookup("scalar").floatLanes()).isEqualTo(1);
    }

    @Test
    void autoPrefersPanamaWhenTheModuleIsReadable() {
        assertThat(VectorizationProvider.vectorModulePresent()).isTrue(); // surefire passes --add-modules
        assertThat(VectorizationProvider.lookup("auto").name()).isEqualTo("panama");
        assertThat(VectorizationProvider.lookup("panama").floatLanes()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void unknownModeIsRefusedWithTheExpectedValues() {
        assertThatThrownBy(() -> VectorizationProvider.lookup("avx"))
                .hasMessageContaining("expected auto, panama or scalar");
    }
}
