package org.sae4j.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The study's charts stay readable when one run breaks or few latents die. */
class HeldOutStudyChartsTest {
    private static HeldOutStudy.Run run(String remedy, double[] dead, double[] ev) {
        return new HeldOutStudy.Run("r", remedy, 64, List.of(), 10, 1000, dead[dead.length - 1], 100, true, 0.8,
                ev[ev.length - 1], 8, 0, 0, 100, 1, 1, 0, dead, new long[] {5, 10}, ev, null);
    }

    @Test
    void aBrokenRunIsLabelledOffScaleAndTheOthersSetTheAxes() {
        Map<String, String> files = HeldOutStudy.plots(List.of(
                run("none", new double[] {0, 0.05, 0.153}, new double[] {0.70, 0.76}),
                run("default", new double[] {0, 0, 0}, new double[] {0.71, 0.762}),
                run("broken", new double[] {0, 0, 0}, new double[] {-3, -11.07})));
        String ev = files.get("heldout-ev-r.svg");
        assertThat(ev).contains("broken (off scale: ends at -11.07)").doesNotContain("none (off scale")
                // the axis is the two healthy runs' range, 0.70 to 0.80, not -1 to 0.8
                .contains(">0.700</text>").contains(">0.800</text>").doesNotContain(">-1.00</text>");
        // 15.3 % at worst: the dead axis ends at 20 %, not 100 %.
        assertThat(files.get("dead-r.svg")).contains(">20.0</text>").doesNotContain(">100</text>");
    }
}
