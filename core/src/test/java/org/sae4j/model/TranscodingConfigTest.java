package org.sae4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sae4j.BadInputException;

class TranscodingConfigTest {

    @Test
    void outputWidthIsTheTargetsForATranscoderAndTheInputsOtherwise() {
        SaeConfig plain = SaeConfig.topK(8, 32, 4);
        assertNull(plain.transcoder());
        assertEquals(8, plain.outDim());
        assertFalse(plain.skip());
        SaeConfig tc = plain.withTranscoder(new Transcoding(5, true));
        assertEquals(8, tc.dim());
        assertEquals(5, tc.outDim());
        assertTrue(tc.skip());
        assertEquals(tc.transcoder(), tc.withSeed(3).transcoder());
    }

    @Test
    void refusesANonPositiveWidthThePreEncoderBiasAndMatryoshka() {
        BadInputException w = assertThrows(BadInputException.class, () -> new Transcoding(0, false));
        assertTrue(w.getMessage().contains("expected a positive width"), w.getMessage());
        SaeConfig tc = SaeConfig.topK(8, 32, 4).withTranscoder(new Transcoding(5, false));
        BadInputException pre = assertThrows(BadInputException.class, () -> tc.withPreEncoderBias(true));
        assertTrue(pre.getMessage().startsWith("pre_encoder_bias"), pre.getMessage());
        Matryoshka m = new Matryoshka(List.of(8, 32), Matryoshka.Loss.SUM);
        assertThrows(BadInputException.class, () -> tc.withMatryoshka(m));
    }

    @Test
    void aTranscoderHoldsOutputSideShapesAndAZeroSkip() {
        SaeConfig tc = SaeConfig.topK(8, 32, 4).withTranscoder(new Transcoding(5, true));
        Sae sae = Sae.initialize(tc);
        assertEquals(32 * 8, sae.wEnc().length);
        assertEquals(32 * 5, sae.wDec().length);
        assertEquals(5, sae.bDec().length);
        assertEquals(5 * 8, sae.wSkip().length);
        for (float v : sae.wSkip()) {
            assertEquals(0f, v);
        }
        assertEquals(List.of("W_enc", "b_enc", "W_dec", "b_dec", "W_skip"), List.of(sae.tensorNames()));
        assertEquals(13, tc.rowWidth());
        BadInputException noSkip = assertThrows(BadInputException.class, () -> Sae.of(tc, sae.wEnc(), sae.bEnc(),
                sae.wDec(), sae.bDec(), null, null));
        assertTrue(noSkip.getMessage().startsWith("W_skip: missing"), noSkip.getMessage());
        BadInputException wide = assertThrows(BadInputException.class, () -> Sae.of(tc, sae.wEnc(), sae.bEnc(),
                new float[32 * 8], sae.bDec(), null, sae.wSkip()));
        assertTrue(wide.getMessage().contains("latents × d_out = 32×5"), wide.getMessage());
    }

    @Test
    void aSkipTranscodersOutputAddsTheSkipPathToTheDecode() {
        SaeConfig tc = SaeConfig.topK(3, 4, 2).withTranscoder(new Transcoding(2, true));
        Sae sae = Sae.initialize(tc);
        float[] x = {1f, -2f, 0.5f};
        sae.wSkip()[0] = 1f;   // out 0 += x0
        sae.wSkip()[5] = 2f;   // out 1 += 2·x2
        float[] z = sae.encode(x, 1);
        float[] plain = sae.decode(z, 1);
        float[] out = sae.decode(z, x, 1);
        assertEquals(plain[0] + 1f, out[0], 1e-6);
        assertEquals(plain[1] + 1f, out[1], 1e-6);
        assertEquals(2, sae.forward(x, 1).reconstruction().length);
        assertEquals(out[1], sae.forward(x, 1).reconstruction()[1], 1e-6);
    }

    @Test
    void bDecStartsAtTheTargetsMean() {
        SaeConfig tc = SaeConfig.topK(2, 4, 2).withTranscoder(new Transcoding(1, false));
        Sae sae = Sae.initialize(tc);
        sae.initDecoderBiasToMean(new float[] {9f, 9f, 1f, -9f, -9f, 3f}, 0, 2);
        assertEquals(2f, sae.bDec()[0], 1e-6);
        sae.initDecoderBiasToGeometricMedian(new float[] {9f, 9f, 1f, -9f, -9f, 3f, 0f, 0f, 100f}, 0, 3, 50);
        assertEquals(3f, sae.bDec()[0], 1e-3);
    }
}
