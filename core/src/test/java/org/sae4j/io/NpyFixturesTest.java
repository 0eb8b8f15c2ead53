package org.sae4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sae4j.BadInputException;
import org.sae4j.data.NpyDatasetTest;
import org.sae4j.io.npy.NpyFile;

/** Every fixture of the shared data README behaves as documented there. */
class NpyFixturesTest {
    private static final float[] EXPECTED = Fixtures.expected3x5();

    @ParameterizedTest
    @ValueSource(strings = {"f4_c_3x5.npy", "f4_fortran_3x5.npy", "f8_3x5.npy", "f4_bigendian_3x5.npy",
            "f4_v2header_3x5.npy", "f4_v3header_3x5.npy"})
    void validFixturesDecodeExactly(String name) throws Exception {
        try (NpyFile f = NpyFile.open(Fixtures.npy(name))) {
            assertThat(f.rows()).isEqualTo(3);
            assertThat(f.cols()).isEqualTo(5);
            assertThat(f.readAll()).containsExactly(EXPECTED);
            // Row-by-row and offset reads agree with the bulk read.
            float[] row = new float[7];
            for (int r = 0; r < 3; r++) {
                f.readRow(r, row, 2);
                for (int c = 0; c < 5; c++) assertThat(row[2 + c]).isEqualTo(EXPECTED[r * 5 + c]);
            }
        }
    }

    @Test
    void headerDetails() throws Exception {
        try (NpyFile f = NpyFile.open(Fixtures.npy("f4_fortran_3x5.npy"))) {
            assertThat(f.fortranOrder()).isTrue();
            assertThat(f.kind()).isEqualTo(NpyFile.Kind.F32);
        }
        try (NpyFile f = NpyFile.open(Fixtures.npy("f4_bigendian_3x5.npy"))) {
            assertThat(f.byteOrder()).isEqualTo(ByteOrder.BIG_ENDIAN);
            assertThat(f.descr()).isEqualTo(">f4");
        }
        try (NpyFile f = NpyFile.open(Fixtures.npy("f4_v3header_3x5.npy"))) {
            assertThat(f.formatVersion()).isEqualTo(3);
        }
        try (NpyFile f = NpyFile.open(Fixtures.npy("f4_v2header_3x5.npy"))) {
            assertThat(f.formatVersion()).isEqualTo(2);
        }
        try (NpyFile f = NpyFile.open(Fixtures.npy("f4_c_3x5.npy"))) {
            assertThat(f.dataOffset()).isEqualTo(128);
        }
    }

    @Test
    void float16DecodesToFloat16Precision() throws Exception {
        try (NpyFile f = NpyFile.open(Fixtures.npy("f2_3x5.npy"))) {
            assertThat(f.kind()).isEqualTo(NpyFile.Kind.F16);
            float[] got = f.readAll();
            for (int i = 0; i < 15; i++) {
                // half precision has an 11-bit significand: relative rounding error at most 2^-11
                assertThat(got[i]).isCloseTo(EXPECTED[i], within(Math.abs(EXPECTED[i]) * 0x1p-11f + 0x1p-25f));
                // and it is exactly the float16 nearest the value
                assertThat(got[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(EXPECTED[i])));
            }
        }
    }

    @Test
    void oneDimensionalIsOneRow() throws Exception {
        try (NpyFile f = NpyFile.open(Fixtures.npy("f4_1d_5.npy"))) {
            assertThat(f.rows()).isEqualTo(1);
            assertThat(f.cols()).isEqualTo(5);
            assertThat(f.shape()).containsExactly(5);
            // numpy wrote the first row of the 3x5 values as a 1-D array
            assertThat(f.readAll()).containsExactly(java.util.Arrays.copyOf(EXPECTED, 5));
        }
    }

    @Test
    void emptyHasNoRows() throws Exception {
        try (NpyFile f = NpyFile.open(Fixtures.npy("f4_empty_0x5.npy"))) {
            assertThat(f.rows()).isZero();
            assertThat(f.cols()).isEqualTo(5);
            assertThat(f.readAll()).isEmpty();
            f.readRows(0, 0, new float[0], 0);
        }
    }

    private static void assertRefused(String name, String... fragments) {
        Path p = Fixtures.npy(name);
        assertThatThrownBy(() -> NpyFile.open(p).close())
                .isInstanceOf(BadInputException.class)
                .satisfies(e -> {
                    String m = e.getMessage();
                    assertThat(m).startsWith(p.toString() + ": ").doesNotContain("\n");
                    for (String frag : fragments) assertThat(m).contains(frag);
                });
    }

    @Test
    void threeDimensionalIsRefused() {
        assertRefused("f4_3d_2x3x5.npy", "shape (2, 3, 5) is 3-D", "expected a 1-D or 2-D");
    }

    @Test
    void integerIsRefused() {
        assertRefused("i4_3x5.npy", "dtype '<i4' is an integer type", "expected a float dtype");
    }

    @Test
    void pickleIsRefusedWithoutUnpickling() {
        assertRefused("object_pickle.npy", "dtype '|O'", "pickled Python objects", "never unpickles",
                "expected a float dtype");
    }

    @Test
    void truncatedIsRefusedBeforeReading() {
        assertRefused("f4_truncated.npy", "file is 181 bytes", "shape (3, 5)", "188 bytes in all", "truncated");
    }

    @Test
    void garbageHeaderIsRefused() {
        assertRefused("garbage.npy", "header length 65535 bytes runs past the end of the file (69 bytes)",
                "expected a complete .npy header");
    }

    @Test
    void nanInfFixtureOpensButHoldsNonFiniteValues() throws Exception {
        // The raw reader returns values as stored; the dataset layer refuses them (NpyDatasetTest).
        try (NpyFile f = NpyFile.open(Fixtures.npy("f4_nan_inf_3x5.npy"))) {
            float[] a = f.readAll();
            assertThat(a[1 * 5 + 2]).isNaN();
            assertThat(a[2 * 5 + 4]).isEqualTo(Float.POSITIVE_INFINITY);
        }
    }
}
