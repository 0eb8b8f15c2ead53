package org.sae4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.sae4j.io.safetensors.Safetensors;

/** {@link Safetensors}: the whole file, and its JSON header alone. See {@link Harness} for the invariant. */
class SafetensorsFuzzTest {
    /** A whole file: opened, every tensor read as float32 (non-float dtypes are refused). */
    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void safetensors(byte[] data) throws Exception {
        Path f = Harness.write(Harness.freshDir("st"), "x.safetensors", data);
        Harness.check(() -> readEvery(f));
    }

    /**
     * The JSON header alone: the input is the header text, framed with its length and followed by a 64-byte data
     * buffer, so the fuzzer spends its time on the header's fields and the layout checks.
     */
    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void safetensorsHeader(byte[] header) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 64).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Path f = Harness.write(Harness.freshDir("sth"), "x.safetensors", b.array());
        Harness.check(() -> readEvery(f));
    }

    private static void readEvery(Path f) throws Exception {
        try (Safetensors st = Safetensors.open(f)) {
            st.metadata();
            for (String name : st.names()) {
                Safetensors.TensorInfo ti = st.info(name);
                st.readFloats(name, ti.shape());
            }
        }
    }
}
