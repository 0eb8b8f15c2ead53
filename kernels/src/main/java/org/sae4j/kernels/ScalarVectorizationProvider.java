package org.sae4j.kernels;

/** Plain-Java kernels: the twins every Panama kernel is tested against, and the fallback. */
final class ScalarVectorizationProvider extends VectorizationProvider {
    private final ThresholdSelect thresholdSelect = new ScalarThresholdSelect();
    private final AdamUpdate adamUpdate = new ScalarAdamUpdate();
    private final VectorOps vectorOps = new ScalarVectorOps();
    private final Gemm gemm = new ScalarGemm();

    @Override
    public String name() {
        return "scalar";
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
        return 1;
    }
}
