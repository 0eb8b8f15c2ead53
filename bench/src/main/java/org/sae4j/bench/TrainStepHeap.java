package org.sae4j.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.FusedStep;
import org.sae4j.train.TrainConfig;

/**
 * Heap a training step keeps, against the parameters and Adam state it must hold (issue 4's bound: ≤ 1.25 × that
 * + O(B·(d+k))). Not a JMH benchmark: it runs a few fused TopK steps, collects, and reads the used heap.
 *
 * <pre>java --add-modules jdk.incubator.vector -XX:+UseSerialGC -cp bench/target/benchmarks.jar \
 *     org.sae4j.bench.TrainStepHeap [dim latents k batch]</pre>
 */
public final class TrainStepHeap {
    private TrainStepHeap() {
    }

    public static void main(String[] args) {
        int d = args.length > 0 ? Integer.parseInt(args[0]) : 768;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 16384;
        int k = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int b = args.length > 3 ? Integer.parseInt(args[3]) : 1024;
        float[] x = KernelBenchSupport.gaussian(b * d, 7);
        Sae sae = Sae.initialize(SaeConfig.topK(d, n, k));
        sae.initDecoderBiasToMean(x, 0, b);
        long paramsAndAdam = 0;
        for (float[] t : sae.tensors()) {
            paramsAndAdam += 3L * Float.BYTES * t.length; // the tensor and its two moments
        }
        TrainConfig tc = TrainConfig.builder().batchSize(b).lr(1e-4).threads(2).build();
        try (FusedStep step = new FusedStep(sae, tc, 1000)) {
            for (int s = 0; s < 4; s++) {
                step.step(x, 0, b, 0);
            }
            System.gc();
            System.gc();
            long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            long batch = (long) Float.BYTES * x.length;
            System.out.printf(Locale.ROOT, "d=%d n=%d k=%d B=%d: heap used %.1f MB; parameters + Adam moments %.1f MB;"
                            + " the batch %.1f MB; (used − batch) / (parameters + moments) = %.3f%n", d, n, k, b,
                    used / 1e6, paramsAndAdam / 1e6, batch / 1e6, (used - batch) / (double) paramsAndAdam);
        }
    }
}
