package org.sae4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sae4j.BadInputException;
import org.sae4j.encode.SaeEncoder;

/**
 * Spark ML stage: encodes an {@code array<float>} column into two columns, the firing latents' indices
 * ({@code array<int>}, strongest first) and their activations ({@code array<float>}), at most {@code k} per row.
 * The model directory (sae4j's or any format {@code ModelFormats.loadEncoder} reads) is broadcast to the executors
 * when the stage transforms; each executor JVM loads it once ({@link ExecutorEncoders}). Saved and loaded in a
 * {@code Pipeline} by its parameters (the model stays where {@code modelPath} says).
 */
public final class SaeTransformer extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> indicesCol;
    private final Param<String> valuesCol;
    private final Param<String> modelPath;
    private final IntParam k;
    private final IntParam batchSize;
    private final BooleanParam requireSimd;

    public SaeTransformer() {
        this(Identifiable.randomUID("sae4j"));
    }

    public SaeTransformer(String uid) {
        this.uid = uid;
        // Params read the uid of their parent: created after it is set.
        inputCol = new Param<>(this, "inputCol", "array<float> column of activations, one row per token");
        indicesCol = new Param<>(this, "indicesCol", "output array<int> column: firing latents, strongest first");
        valuesCol = new Param<>(this, "valuesCol", "output array<float> column: their activations");
        modelPath = new Param<>(this, "modelPath", "the model directory (read on the driver, broadcast to the executors)");
        k = new IntParam(this, "k", "most codes kept per row", ParamValidators.gtEq(1));
        batchSize = new IntParam(this, "batchSize", "rows per encoder batch", ParamValidators.gtEq(1));
        requireSimd = new BooleanParam(this, "requireSimd", "fail when an executor runs the scalar kernels");
        setDefault(indicesCol, "sae_indices");
        setDefault(valuesCol, "sae_values");
        setDefault(k, 32);
        setDefault(batchSize, 1024);
        setDefault(requireSimd, false);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> indicesCol() {
        return indicesCol;
    }

    public Param<String> valuesCol() {
        return valuesCol;
    }

    public Param<String> modelPath() {
        return modelPath;
    }

    public IntParam k() {
        return k;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public BooleanParam requireSimd() {
        return requireSimd;
    }

    public SaeTransformer setInputCol(String v) {
        set(inputCol, v);
        return this;
    }

    public SaeTransformer setIndicesCol(String v) {
        set(indicesCol, v);
        return this;
    }

    public SaeTransformer setValuesCol(String v) {
        set(valuesCol, v);
        return this;
    }

    public SaeTransformer setModelPath(String v) {
        set(modelPath, v);
        return this;
    }

    public SaeTransformer setK(int v) {
        set(k, v);
        return this;
    }

    public SaeTransformer setBatchSize(int v) {
        set(batchSize, v);
        return this;
    }

    public SaeTransformer setRequireSimd(boolean v) {
        set(requireSimd, v);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String in = $(inputCol);
        if (SparkInputs.shape(schema, in, "SaeTransformer") != SparkInputs.Shape.TOKENS) {
            throw new BadInputException("SaeTransformer: column '" + in + "' is "
                    + schema.apply(in).dataType().simpleString() + "; expected array<float>, one row per token");
        }
        for (String out : List.of($(indicesCol), $(valuesCol))) {
            if (List.of(schema.fieldNames()).contains(out)) {
                throw new BadInputException("SaeTransformer: output column '" + out + "' already exists");
            }
        }
        return schema.add($(indicesCol), DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                .add($(valuesCol), DataTypes.createArrayType(DataTypes.FloatType, false), false);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        if (!isDefined(modelPath)) {
            throw new BadInputException("SaeTransformer: modelPath not set; expected a model directory");
        }
        Path model = Path.of($(modelPath));
        ExecutorEncoders.Shipped shipped;
        try {
            shipped = ExecutorEncoders.ship(JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext()),
                    model);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ExecutorEncoders.Model shippedModel = shipped.model();
        SaeEncoder enc = shipped.encoder();
        int d = enc.dim();
        int kk = Math.min((Integer) $(k), enc.latents());
        int batch = (Integer) $(batchSize);
        boolean simd = (Boolean) $(requireSimd);
        int col = dataset.schema().fieldIndex($(inputCol));
        String colName = $(inputCol);
        MapPartitionsFunction<Row, Row> f = it -> new Encoding(it, ExecutorEncoders.get(shippedModel, simd), col,
                colName, d, kk, batch);
        return dataset.toDF().mapPartitions(f, Encoders.row(out));
    }

    @Override
    public SaeTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** For {@code Pipeline.load} and {@code SaeTransformer.load(path)}. */
    public static MLReader<SaeTransformer> read() {
        return new DefaultParamsReader<>();
    }

    public static SaeTransformer load(String path) {
        return read().load(path);
    }

    /** The rows of a partition, encoded {@code batch} at a time, each with its codes appended. */
    private static final class Encoding implements Iterator<Row> {
        private final Iterator<Row> in;
        private final SaeEncoder enc;
        private final int col;
        private final String colName;
        private final int d;
        private final int k;
        private final float[] x;
        private final int[] idx;
        private final float[] val;
        private final List<Row> pending;
        private int next;
        private long seen;

        Encoding(Iterator<Row> in, SaeEncoder enc, int col, String colName, int d, int k, int batch) {
            this.in = in;
            this.enc = enc;
            this.col = col;
            this.colName = colName;
            this.d = d;
            this.k = k;
            this.x = new float[batch * d];
            this.idx = new int[batch * k];
            this.val = new float[batch * k];
            this.pending = new ArrayList<>(batch);
        }

        @Override
        public boolean hasNext() {
            return next < pending.size() || fill();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int r = next++;
            Row row = pending.get(r);
            int m = 0;
            while (m < k && idx[r * k + m] >= 0) {
                m++;
            }
            int[] ix = java.util.Arrays.copyOfRange(idx, r * k, r * k + m);
            float[] vx = java.util.Arrays.copyOfRange(val, r * k, r * k + m);
            Object[] v = new Object[row.size() + 2];
            for (int i = 0; i < row.size(); i++) {
                v[i] = row.get(i);
            }
            v[row.size()] = ix;
            v[row.size() + 1] = vx;
            return RowFactory.create(v);
        }

        private boolean fill() {
            pending.clear();
            next = 0;
            int batch = x.length / d;
            while (pending.size() < batch && in.hasNext()) {
                Row row = in.next();
                int r = pending.size();
                if (row.isNullAt(col)) {
                    throw new BadInputException("column '" + colName + "', row " + seen + " of this partition:"
                            + " null; expected " + d + " floats");
                }
                List<Float> a = row.getList(col);
                if (a.size() != d) {
                    throw new BadInputException("column '" + colName + "', row " + seen + " of this partition: "
                            + a.size() + " values; expected the model's dim " + d);
                }
                for (int i = 0; i < d; i++) {
                    Float f = a.get(i);
                    if (f == null) {
                        throw new BadInputException("column '" + colName + "', row " + seen + " of this partition:"
                                + " a null value at index " + i);
                    }
                    x[r * d + i] = f;
                }
                pending.add(row);
                seen++;
            }
            if (pending.isEmpty()) {
                return false;
            }
            enc.encode(x, pending.size(), idx, val, k);
            return true;
        }
    }
}
