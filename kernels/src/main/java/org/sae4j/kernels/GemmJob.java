package org.sae4j.kernels;

/**
 * The arguments of one product, set before each dispatch on a task object the workspace keeps, so that no lambda
 * is built per call. Each {@link Gemm} implementation's job adds the work for its operations.
 */
abstract class GemmJob implements KernelPool.Task {
    int op;
    float[] a;
    int aOff;
    float[] b;
    int bOff;
    float[] c;
    int cOff;
    int batch;
    float[] bias;
    int biasOff;
    Gemm.Epilogue epilogue;

    final void set(int op, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int batch, float[] bias,
                   int biasOff, Gemm.Epilogue epilogue) {
        this.op = op;
        this.a = a;
        this.aOff = aOff;
        this.b = b;
        this.bOff = bOff;
        this.c = c;
        this.cOff = cOff;
        this.batch = batch;
        this.bias = bias;
        this.biasOff = biasOff;
        this.epilogue = epilogue;
    }
}
