package org.sae4j.kernels;

import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * Picks the kernel implementations once per JVM: Panama (Vector API) when {@code jdk.incubator.vector} is
 * readable, scalar otherwise. After Lucene's {@code VectorizationProvider}.
 *
 * <p>System property {@value #PROPERTY}: {@code auto} (default) prefers Panama and falls back to scalar with one
 * warning; {@code panama} insists on Panama and fails loudly without it (so a CI run meant to test the SIMD kernels
 * cannot silently test the scalar ones twice); {@code scalar} forces the scalar twins.
 */
public abstract class VectorizationProvider {

    /** System property that forces an implementation: {@code auto | panama | scalar}. */
    public static final String PROPERTY = "sae4j.vectorization";

    static final String VECTOR_MODULE = "jdk.incubator.vector";

    private final String name;
    private final int floatLanes;
    private final VectorOps vectorOps;
    private final Gemm gemm;
    private final ThresholdSelect thresholdSelect;
    private final AdamUpdate adamUpdate;
    private final DenseCodes denseCodes;
    private final QuantizedDot quantizedDot;

    /** Each implementation passes its kernels, one instance per family (they are stateless and thread-safe). */
    VectorizationProvider(String name, int floatLanes, VectorOps vectorOps, Gemm gemm,
                          ThresholdSelect thresholdSelect, AdamUpdate adamUpdate, DenseCodes denseCodes,
                          QuantizedDot quantizedDot) {
        this.name = name;
        this.floatLanes = floatLanes;
        this.vectorOps = vectorOps;
        this.gemm = gemm;
        this.thresholdSelect = thresholdSelect;
        this.adamUpdate = adamUpdate;
        this.denseCodes = denseCodes;
        this.quantizedDot = quantizedDot;
    }

    /** Short name: {@code "panama"} or {@code "scalar"}. */
    public final String name() {
        return name;
    }

    /** Lanes of the preferred float species (1 for scalar); useful for padding and reports. */
    public final int floatLanes() {
        return floatLanes;
    }

    /** Dense vector primitives (dot, axpy, ...). */
    public final VectorOps vectorOps() {
        return vectorOps;
    }

    /** Dense matrix products (encoder GEMM with epilogue, weight-gradient and decode products). */
    public final Gemm gemm() {
        return gemm;
    }

    /** Positions above a threshold (activation epilogues). */
    public final ThresholdSelect thresholdSelect() {
        return thresholdSelect;
    }

    /** Adam's update (PyTorch semantics) over a run of parameters. */
    public final AdamUpdate adamUpdate() {
        return adamUpdate;
    }

    /** Element-wise passes of ReLU/JumpReLU's dense path: codes, ∂/∂pre and per-latent sums. */
    public final DenseCodes denseCodes() {
        return denseCodes;
    }

    /** Dot products of a float query against bf16 or int8 rows (the encoder's screening pass). */
    public final QuantizedDot quantizedDot() {
        return quantizedDot;
    }

    /** The provider chosen for this JVM. */
    public static VectorizationProvider getInstance() {
        return Holder.INSTANCE;
    }

    /** Whether the Vector API module is resolved in the boot layer (i.e. the JVM got --add-modules). */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    private static final class Holder {
        static final VectorizationProvider INSTANCE = lookup(System.getProperty(PROPERTY, "auto"));
    }

    static VectorizationProvider lookup(String requested) {
        String mode = requested.trim().toLowerCase(Locale.ROOT);
        switch (mode) {
            case "scalar":
                return new ScalarVectorizationProvider();
            case "panama": {
                if (!vectorModulePresent()) {
                    throw new IllegalStateException("-D" + PROPERTY + "=panama but module " + VECTOR_MODULE
                            + " is not readable: pass --add-modules " + VECTOR_MODULE);
                }
                return loadPanama();
            }
            case "auto": {
                if (!vectorModulePresent()) {
                    System.getLogger(VectorizationProvider.class.getName()).log(Level.WARNING,
                            "sae4j: Vector API not available, using scalar kernels; pass --add-modules "
                                    + VECTOR_MODULE + " for SIMD speed");
                    return new ScalarVectorizationProvider();
                }
                return loadPanama();
            }
            default:
                throw new IllegalArgumentException(
                        "-D" + PROPERTY + "=" + requested + ": expected auto, panama or scalar");
        }
    }

    // Loaded reflectively so that this class links even when the incubator module is absent.
    private static VectorizationProvider loadPanama() {
        try {
            return (VectorizationProvider) Class.forName("org.sae4j.kernels.PanamaVectorizationProvider")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("cannot load Panama kernels: " + e, e);
        }
    }
}
