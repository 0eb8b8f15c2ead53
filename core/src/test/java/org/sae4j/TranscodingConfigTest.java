package org.sae4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

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
    void saeRefusesTranscoderShapesItCannotHoldYet() {
        SaeConfig tc = SaeConfig.topK(8, 32, 4).withTranscoder(new Transcoding(5, false));
        assertThrows(BadInputException.class, () -> Sae.initialize(tc));
    }
}
