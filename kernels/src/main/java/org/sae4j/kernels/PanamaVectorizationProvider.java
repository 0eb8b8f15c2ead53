package org.sae4j.kernels;

import jdk.incubator.vector.FloatVector;

/** Vector API kernels. Only loaded (reflectively) when {@code jdk.incubator.vector} is readable. */
final class PanamaVectorizationProvider extends VectorizationProvider {
    PanamaVectorizationProvider() {
        super("panama", PanamaSpecies.FLOAT.length(), new PanamaVectorOps(), new PanamaGemm(),
                new PanamaThresholdSelect(), new PanamaAdamUpdate(), new PanamaDenseCodes(),
                new PanamaQuantizedDot());
    }
}
