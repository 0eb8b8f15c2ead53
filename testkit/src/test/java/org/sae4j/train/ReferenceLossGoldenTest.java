package org.sae4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sae4j.model.Activation;
import org.sae4j.testkit.SaeArbitraries;
import org.sae4j.testkit.SaeCase;
import org.sae4j.train.ReferenceLoss.Term;

/**
 * {@link ReferenceLoss} is pinned bit for bit: a SHA-256 over every value and gradient of one evaluation per
 * activation and option set, recorded from the single-method {@code evaluate} of commit c1cdd35 before it was split
 * into one forward/backward pair per term. The reference computes in plain double Java (no SIMD kernels), so the
 * digests hold on every machine and in both kernel modes. A deliberate change of the math re-records them (run with
 * {@code -Dsae4j.golden.print=true}) and says why in its commit. The case is the kit's
 * {@link SaeArbitraries#randomCase} (core's tests cannot depend on the kit: Maven would reject the cycle).
 */
class ReferenceLossGoldenTest {

    @ParameterizedTest(name = "{0} unitNorm={1} preEnc={2} weightedL1={3} form={4} window={5} terms={6}")
    @CsvSource({
            "TOPK,      true,  true,  false, SEED,        false, ALL,    284aa4f849783774bac0b022",
            "TOPK,      false, false, true,  OVERCOMPLETE, true,  ALL,    e20f213621fb6cf0ba26d7a1",
            "BATCHTOPK, true,  false, false, OVERCOMPLETE, false, ALL,    e5e364e49e7de77882d6159e",
            "RELU,      true,  true,  true,  SEED,        false, ALL,    3595adb2ea9f8cfbb6007b6f",
            "RELU,      false, false, false, OVERCOMPLETE, true,  NOAUX,  03e7bfdad1dce1188f5fdca7",
            "JUMPRELU,  true,  true,  false, OVERCOMPLETE, false, ALL,    dfd39d1eeeefadc09940cb65",
            "JUMPRELU,  false, false, true,  SEED,        true,  MSE,    885f9bb95a717b7ad5feef94",
            "GROUPMAX,  true,  true,  false, SEED,        false, ALL,    ccd64aa22a9205261af62ff9", // recorded when added
    })
    void oneEvaluationGivesTheRecordedValuesAndGradients(Activation act, boolean unitNorm, boolean preEnc,
                                                         boolean weightedL1, ReanimationForm form, boolean window,
                                                         String terms, String expected) {
        SaeCase c = SaeArbitraries.randomCase(act, 12, 40, 9, 5,
                unitNorm, preEnc, weightedL1, form, 0.05, 1234 + act.ordinal());
        Set<Term> set = switch (terms) {
            case "ALL" -> ReferenceLoss.ALL_TERMS;
            case "NOAUX" -> EnumSet.complementOf(EnumSet.of(Term.AUXK));
            default -> EnumSet.of(Term.MSE);
        };
        ReferenceLoss.Aux aux = window ? ReferenceLoss.Aux.withReanimation(c.windowDead())
                : ReferenceLoss.Aux.of(c.windowDead());
        String got;
        try (ReferenceLoss loss = new ReferenceLoss(c.cfg(), 2)) {
            got = digest(loss.evaluate(c.params(), c.x(), 0, c.rows(), c.weights(), set, true, aux));
        }
        if (Boolean.getBoolean("sae4j.golden.print")) {
            System.out.println("GOLDEN " + act + " " + unitNorm + " " + preEnc + " " + weightedL1 + " " + form + " "
                    + window + " " + terms + " " + got);
        }
        assertThat(got).isEqualTo(expected);
    }

    private static String digest(ReferenceLoss.Result r) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        put(md, r.loss, r.mse, r.reanimation, r.l1, r.l0, r.auxk, r.batchThreshold, r.deadCount, r.active);
        put(md, r.pre);
        put(md, r.codes);
        put(md, r.reconstruction);
        put(md, r.auxResidual == null ? new double[0] : r.auxResidual);
        for (boolean b : r.dead) {
            md.update((byte) (b ? 1 : 0));
        }
        put(md, r.grad.wEnc);
        put(md, r.grad.bEnc);
        put(md, r.grad.wDec);
        put(md, r.grad.bDec);
        put(md, r.grad.logThreshold == null ? new double[0] : r.grad.logThreshold);
        return HexFormat.of().formatHex(md.digest(), 0, 12);
    }

    private static void put(MessageDigest md, double... a) {
        ByteBuffer b = ByteBuffer.allocate(8 * a.length);
        for (double v : a) {
            b.putLong(Double.doubleToRawLongBits(v));
        }
        md.update(b.array());
    }
}
