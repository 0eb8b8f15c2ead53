package org.sae4j.kernels;

/** Plain-Java kernels: the twins every Panama kernel is tested against, and the fallback. */
final class ScalarVectorizationProvider extends VectorizationProvider {
    ScalarVectorizationProvider() {
        super("scalar", 1, new ScalarVectorOps(), new ScalarGemm(), new ScalarThresholdSelect(),
                new ScalarAdamUpdate(), new ScalarDenseCodes(), new ScalarQuantizedDot());
    }
}
