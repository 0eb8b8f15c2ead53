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
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final VectorSpecies<Double> D = PanamaSpecies.DOUBLE;
    private static final VectorShape HALF = VectorShape.forBitSize(D.vectorBitSize() / 2);
    private static final VectorSpecies<Float> H = VectorSpecies.of(float.class, HALF);
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, HALF);
    private static final int GROUP = 4;
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
    public void gradient(float[] pre, float[] grad, int off, int ld, int rows, int len, float[] threshold,
                         float[] scale, float[] add, int col, Sums sums) {
        int i = vectorPart(pre, grad, off, ld, rows, len, threshold, scale, add, col, false, 0, null, sums);
        if (i < len) {
            tail.gradient(pre, grad, off + i, ld, rows, len - i, threshold, scale, add, col + i, sums);
        }
    }

    @Override
    public void jumpGradient(float[] pre, float[] grad, int off, int ld, int rows, int len, float[] threshold,
                             float[] scale, float[] add, int col, double eps, double[] l0, Sums sums) {
        int i = vectorPart(pre, grad, off, ld, rows, len, threshold, scale, add, col, true, eps, l0, sums);
        if (i < len) {
            tail.jumpGradient(pre, grad, off + i, ld, rows, len - i, threshold, scale, add, col + i, eps, l0, sums);
        }
    }

    /**
     * The vector part, {@link #GROUP} rows at a time: a chunk's sums and per-latent inputs stay in registers over
     * the group's rows (still added in row order), which cuts their loads and stores per row by the group size.
     * Returns where the tail starts.
     */
    private static int vectorPart(float[] pre, float[] grad, int off, int ld, int rows, int len, float[] threshold,
                                  float[] scale, float[] add, int col, boolean jump, double eps, double[] l0,
                                  Sums sums) {
        FloatVector zero = FloatVector.zero(H);
        DoubleVector noL0 = DoubleVector.zero(D).div(eps); // the scalar code's 0 / eps
        int bound = H.loopBound(len);
        for (int r0 = 0; r0 < rows; r0 += GROUP) {
            int r1 = Math.min(rows, r0 + GROUP);
            for (int i = 0; i < bound; i += H.length()) {
                int j = col + i;
                FloatVector th = FloatVector.fromArray(H, threshold, j);
                FloatVector sc = FloatVector.fromArray(H, scale, j);
                DoubleVector thd = (DoubleVector) th.castShape(D, 0);
                DoubleVector slope = jump ? thd.neg().div(eps) : thd; // −θ/eps, as the scalar code forms it
                DoubleVector l0PerEps = jump && l0 != null ? DoubleVector.fromArray(D, l0, j).div(eps) : noL0;
                IntVector active = IntVector.fromArray(I, sums.active, j);
                DoubleVector sumPre = DoubleVector.fromArray(D, sums.pre, j);
                DoubleVector sumZ = DoubleVector.fromArray(D, sums.z, j);
                DoubleVector sumGrad = DoubleVector.fromArray(D, sums.grad, j);
                DoubleVector sumTheta = jump ? DoubleVector.fromArray(D, sums.theta, j) : sumPre;
                for (int r = r0; r < r1; r++) {
                    int e = off + r * ld + i;
                    FloatVector p = FloatVector.fromArray(H, pre, e);
                    FloatVector dz = sc.mul(FloatVector.fromArray(H, grad, e));
                    if (add != null) {
                        dz = dz.add(FloatVector.fromArray(H, add, j));
                    }
                    VectorMask<Float> on = p.compare(VectorOperators.GT, th);
                    zero.blend(dz, on).intoArray(grad, e);

                    VectorMask<Double> onD = on.cast(D);
                    DoubleVector pd = (DoubleVector) p.castShape(D, 0);
                    DoubleVector dzd = (DoubleVector) dz.castShape(D, 0);
                    sumPre = sumPre.add(pd);
                    active = active.add(1, on.cast(I));
                    sumZ = sumZ.add(pd, onD);
                    sumGrad = sumGrad.add(dzd, onD);
                    if (jump) {
                        VectorMask<Double> band = pd.sub(thd).div(eps).abs().compare(VectorOperators.LT, 0.5);
                        sumTheta = sumTheta.add(dzd.mul(slope).sub(l0PerEps), band);
                    }
                }
                active.intoArray(sums.active, j);
                sumPre.intoArray(sums.pre, j);
                sumZ.intoArray(sums.z, j);
                sumGrad.intoArray(sums.grad, j);
                if (jump) {
                    sumTheta.intoArray(sums.theta, j);
                }
            }
        }
        return bound;
    }
}
