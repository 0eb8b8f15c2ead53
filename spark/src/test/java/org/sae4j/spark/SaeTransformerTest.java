package org.sae4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sae4j.spark.SparkTestData.D;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.BadInputException;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.formats.ModelFormats;

/** The encoding stage: the codes of SaeEncoder's batch path, in a Pipeline saved and loaded, and its errors. */
class SaeTransformerTest {
    private static SparkSession spark;
    private static final int ROWS = 300;
    private static final int K = 7;

    @TempDir
    static Path dir;

    private static Path model;
    private static float[] x;
    private static Dataset<Row> df;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkTestData.session("SaeTransformerTest");
        model = SparkTestData.model(dir.resolve("transformer-model"), 5);
        x = SparkTestData.rows(ROWS, 6);
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            rows.add(RowFactory.create((long) r, (Object) SparkTestData.row(x, r)));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType)
                .add("acts", DataTypes.createArrayType(DataTypes.FloatType, false));
        df = spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 3),
                schema);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static SaeTransformer stage() {
        return new SaeTransformer().setInputCol("acts").setModelPath(model.toString()).setK(K).setBatchSize(64)
                .setRequireSimd(true);
    }

    @Test
    void codesEqualTheSingleMachineEncoder() throws IOException {
        List<Row> out = stage().transform(df).orderBy("id").collectAsList();
        assertCodes(out);
    }

    @Test
    void pipelineSavesAndLoads() throws IOException {
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {stage()}).fit(df);
        String path = dir.resolve("pipeline").toString();
        fitted.write().overwrite().save(path);
        PipelineModel back = PipelineModel.load(path);
        SaeTransformer t = (SaeTransformer) back.stages()[0];
        assertThat(t.getOrDefault(t.k())).isEqualTo(K);
        assertThat(t.getOrDefault(t.modelPath())).isEqualTo(model.toString());
        assertThat(t.getOrDefault(t.indicesCol())).isEqualTo("sae_indices");
        assertCodes(back.transform(df).orderBy("id").collectAsList());
    }

    private static void assertCodes(List<Row> out) throws IOException {
        SaeEncoder enc = ModelFormats.loadEncoder(model);
        int[] idx = new int[ROWS * K];
        float[] val = new float[ROWS * K];
        enc.encode(x, ROWS, idx, val, K);
        assertThat(out).hasSize(ROWS);
        int codes = 0;
        for (int r = 0; r < ROWS; r++) {
            Row row = out.get(r);
            List<Integer> gotIdx = row.getList(row.fieldIndex("sae_indices"));
            List<Float> gotVal = row.getList(row.fieldIndex("sae_values"));
            List<Integer> wantIdx = new ArrayList<>();
            List<Float> wantVal = new ArrayList<>();
            for (int q = r * K; q < (r + 1) * K && idx[q] >= 0; q++) {
                wantIdx.add(idx[q]);
                wantVal.add(val[q]);
            }
            assertThat(gotIdx).as("row %d", r).isEqualTo(wantIdx);
            assertThat(gotVal).as("row %d", r).isEqualTo(wantVal);
            codes += wantIdx.size();
        }
        assertThat(codes).isGreaterThan(ROWS); // the model fires: the comparison is not of empty lists
    }

    @Test
    void badInputIsOneClearLine() {
        assertThatThrownBy(() -> stage().setInputCol("activations").transform(df))
                .isInstanceOf(BadInputException.class).hasMessageContaining("no column 'activations'");
        Dataset<Row> narrow = spark.createDataFrame(List.of(RowFactory.create((Object) new float[D - 2])),
                new StructType().add("acts", DataTypes.createArrayType(DataTypes.FloatType, false)));
        assertThatThrownBy(() -> stage().transform(narrow).collectAsList())
                .hasMessageContaining("column 'acts', row 0 of this partition: " + (D - 2) + " values; expected the"
                        + " model's dim " + D);
        assertThatThrownBy(() -> stage().setModelPath(dir.resolve("no-model").toString()).transform(df))
                .hasMessageContaining("no-model");
    }

    @Test
    void scalarKernelsFailOnlyWhenSimdWasRequired() {
        assertThatThrownBy(() -> ExecutorEncoders.checkKernels("scalar", true))
                .isInstanceOf(BadInputException.class).hasMessageContaining("--add-modules=jdk.incubator.vector");
        assertThatCode(() -> ExecutorEncoders.checkKernels("scalar", false)).doesNotThrowAnyException();
        assertThatCode(() -> ExecutorEncoders.checkKernels("panama", true)).doesNotThrowAnyException();
    }
}
