package org.sae4j.encode.select;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopKTest {

    private static boolean[] select(double[] row, int k) {
        boolean[] sel = new boolean[row.length];
        TopK.select(row, 0, row.length, k, new double[row.length], sel);
        return sel;
    }

    @Test
    void tiesAtTheBoundaryGoToTheLowestIndex() {
        assertThat(select(new double[] {1, 3, 3, 3, 0}, 2)).containsExactly(false, true, true, false, false);
        assertThat(select(new double[] {2, 2, 2, 2}, 3)).containsExactly(true, true, true, false);
        assertThat(select(new double[] {5, 2, 2, 9, 2}, 3)).containsExactly(true, true, false, true, false);
    }

    @Test
    void selectsExactlyKEvenWhenAllEqual() {
        boolean[] sel = select(new double[17], 5);
        int count = 0;
        for (int j = 0; j < sel.length; j++) {
            if (sel[j]) {
                count++;
                assertThat(j).isLessThan(5);
            }
        }
        assertThat(count).isEqualTo(5);
    }

    @Test
    void kEqualToNSelectsEverything() {
        assertThat(select(new double[] {-1, 0, 1}, 3)).containsExactly(true, true, true);
    }
}
