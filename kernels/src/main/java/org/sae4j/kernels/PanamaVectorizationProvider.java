package org.sae4j.kernels;

import jdk.incubator.vector.FloatVector;

/** Vector API kernels. Only loaded (reflectively) when {@code jdk.incubator.vector} is readable. */
final class PanamaVectorizationProvider extends VectorizationProvider {
    private final ThresholdSelect thresholdSelect = new PanamaThresholdSelect();
    private final AdamUpdate adamUpdate = new PanamaAdamUpdate();
    private final VectorOps vectorOps = new PanamaVectorOps();
    private final Gemm gemm = new PanamaGemm();

    @Override
    public String name() {
        return "panama";
    }

    @Override
    public ThresholdSelect thresholdSelect() {
        return thresholdSelect;
    }

    @Override
    public AdamUpdate adamUpdate() {
        return adamUpdate;
    }

    @Override
    public VectorOps vectorOps() {
        return vectorOps;
    }

    @Override
    public Gemm gemm() {
        return gemm;
    }

    @Override
    public int floatLanes() {
        return FloatVector.SPECIES_PREFERRED.length();
    }
}
