package org.sae4j.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API twin of {@link ScalarDenseCodes}: branches become masks and blends. For the sums each lane is one
 * latent, so a latent's double sum sees the same additions in the same order as the scalar loop; the float part runs
 * at half width ({@code H}) so that one float vector widens to exactly one double vector. Tail by the scalar twin.
 */
final class PanamaDenseCodes implements DenseCodes {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorShape HALF = VectorShape.forBitSize(D.vectorBitSize() / 2);
    private static final VectorSpecies<Float> H = VectorSpecies.of(float.class, HALF);
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, HALF);
    private final ScalarDenseCodes tail = new ScalarDenseCodes();

    @Override
    public void codes(float[] pre, float[] out, int off, int len, float[] threshold, float[] scale, int col) {
        FloatVector zero = FloatVector.zero(S);
        int bound = S.loopBound(len);
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector p = FloatVector.fromArray(S, pre, off + i);
            VectorMask<Float> on = p.compare(VectorOperators.GT, FloatVector.fromArray(S, threshold, col + i));
            zero.blend(p.mul(FloatVector.fromArray(S, scale, col + i)), on).intoArray(out, off + i);
        }
        if (i < len) {
            tail.codes(pre, out, off + i, len - i, threshold, scale, col + i);
        }
    }

    @Override
    public void gradient(float[] pre, float[] grad, int off, int len, float[] threshold, float[] scale, float[] add,
                         int col, Sums sums) {
        int i = rows(pre, grad, off, len, threshold, scale, add, col, false, 0, 0, sums);
        if (i < len) {
            tail.gradient(pre, grad, off + i, len - i, threshold, scale, add, col + i, sums);
        }
    }

    @Override
    public void jumpGradient(float[] pre, float[] grad, int off, int len, float[] threshold, float[] scale,
                             float[] add, int col, double eps, double l0, Sums sums) {
        int i = rows(pre, grad, off, len, threshold, scale, add, col, true, eps, l0, sums);
        if (i < len) {
            tail.jumpGradient(pre, grad, off + i, len - i, threshold, scale, add, col + i, eps, l0, sums);
        }
    }

    /** The vector part; returns where the tail starts. */
    private static int rows(float[] pre, float[] grad, int off, int len, float[] threshold, float[] scale,
                            float[] add, int col, boolean jump, double eps, double l0, Sums sums) {
        FloatVector zero = FloatVector.zero(H);
        double l0PerEps = l0 / eps; // the scalar code's l0 / eps, the same double every time
        int bound = H.loopBound(len);
        int i = 0;
        for (; i < bound; i += H.length()) {
            int j = col + i;
            FloatVector p = FloatVector.fromArray(H, pre, off + i);
            FloatVector th = FloatVector.fromArray(H, threshold, j);
            FloatVector dz = FloatVector.fromArray(H, scale, j).mul(FloatVector.fromArray(H, grad, off + i));
            if (add != null) {
                dz = dz.add(FloatVector.fromArray(H, add, j));
            }
            VectorMask<Float> on = p.compare(VectorOperators.GT, th);
            zero.blend(dz, on).intoArray(grad, off + i);

            VectorMask<Double> onD = on.cast(D);
            DoubleVector pd = (DoubleVector) p.castShape(D, 0);
            DoubleVector dzd = (DoubleVector) dz.castShape(D, 0);
            DoubleVector.fromArray(D, sums.pre, j).add(pd).intoArray(sums.pre, j);
            IntVector.fromArray(I, sums.active, j).add(1, on.cast(I)).intoArray(sums.active, j);
            DoubleVector.fromArray(D, sums.z, j).add(pd, onD).intoArray(sums.z, j);
            DoubleVector.fromArray(D, sums.grad, j).add(dzd, onD).intoArray(sums.grad, j);
            if (jump) {
                DoubleVector thd = (DoubleVector) th.castShape(D, 0);
                VectorMask<Double> band = pd.sub(thd).div(eps).abs().compare(VectorOperators.LT, 0.5);
                DoubleVector tg = dzd.mul(thd.neg().div(eps)).sub(l0PerEps);
                DoubleVector.fromArray(D, sums.theta, j).add(tg, band).intoArray(sums.theta, j);
            }
        }
        return i;
    }
}
