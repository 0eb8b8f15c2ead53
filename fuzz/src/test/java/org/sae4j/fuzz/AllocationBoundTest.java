package org.sae4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.sae4j.BadInputException;
import org.sae4j.io.npy.NpyFile;
import org.sae4j.io.npy.Npz;
import org.sae4j.io.safetensors.Safetensors;

/**
 * The allocation bound the fuzz targets rely on, stated as tests: a header whose shape claims far more data than
 * the file holds (10^12 elements, or 10^9 in a zip entry whose directory lies about its size) is refused with a
 * BadInputException before anything of that size is allocated. This module's test JVM has a 512 MiB heap
 * (fuzz/pom.xml), so an allocation from the claim would fail these tests with OutOfMemoryError instead.
 */
class AllocationBoundTest {
    @Test
    void npyHeaderClaimingTeraElementsIsRefused() throws Exception {
        Path f = Harness.write(Harness.freshDir("bound-npy"), "x.npy",
                npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }", 64));
        BadInputException e = assertThrows(BadInputException.class, () -> NpyFile.open(f).readAll());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void safetensorsClaimingTeraElementsIsRefused() throws Exception {
        byte[] h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000,1000000],\"data_offsets\":[0,4000000000000]}}"
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 64).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h);
        Path f = Harness.write(Harness.freshDir("bound-st"), "x.safetensors", b.array());
        BadInputException e = assertThrows(BadInputException.class, () -> Safetensors.readAll(f));
        assertTrue(e.getMessage().contains("end beyond"), e.getMessage());
    }

    @Test
    void npzEntryClaimingTeraElementsIsRefused() throws Exception {
        Path f = npz("bound-npz1", "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }", -1);
        try (Npz z = Npz.open(f)) {
            assertThrows(BadInputException.class, () -> z.readFloats("w"));
        }
    }

    /** 10^9 float16 values (4 GB as float32) in a tiny deflated entry whose central directory claims 4 GiB. */
    @Test
    void npzEntryWithALyingDirectorySizeIsRefusedBeforeAllocating() throws Exception {
        Path f = npz("bound-npz2", "{'descr': '<f2', 'fortran_order': False, 'shape': (1000000000,), }",
                0xFFFFFFF0L);
        try (Npz z = Npz.open(f)) {
            BadInputException e = assertThrows(BadInputException.class, () -> z.readFloats("w"));
            assertTrue(e.getMessage().contains("w"), e.getMessage());
        }
    }

    private static byte[] npy(String dict, int dataBytes) {
        byte[] d = dict.getBytes(StandardCharsets.ISO_8859_1);
        return ByteBuffer.allocate(10 + d.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) d.length).put(d)
                .array();
    }

    /** An .npz with one deflated entry w.npy; {@code claimedSize >= 0} overwrites its central-directory size. */
    private static Path npz(String dir, String dict, long claimedSize) throws Exception {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bo)) {
            z.putNextEntry(new ZipEntry("w.npy"));
            z.write(npy(dict, 64));
            z.closeEntry();
        }
        byte[] zip = bo.toByteArray();
        if (claimedSize >= 0) {
            ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = zip.length - 22; i >= 0; i--) {
                if (b.getInt(i) == 0x02014b50) { // central directory header: uncompressed size at +24
                    b.putInt(i + 24, (int) claimedSize);
                    break;
                }
            }
        }
        Path p = Harness.freshDir(dir).resolve("x.npz");
        Files.write(p, zip);
        return p;
    }
}
