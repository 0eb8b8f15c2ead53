package org.sae4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sae4j.BadInputException;
import org.sae4j.data.ActivationSource;
import org.sae4j.data.NpyDataset;

/**
 * The three input forms as blocks of rows with their global indices, so that statistics from any partitioning equal
 * the single-machine pass: a column of {@code array<float>} (one row per token) or {@code array<array<float>>} (one
 * row per sequence, as SAELens activation caches on Hugging Face store them), numbered in the order Spark reads them;
 * or {@code .npy} shards (a file or a directory, as {@code sae4j features} reads it) cut into row ranges per task.
 */
final class SparkInputs {
    private SparkInputs() {
    }

    /** Whether a column holds one row per token, or a sequence of rows per table row. */
    enum Shape {
        TOKENS, SEQUENCES
    }

    /** The shape of {@code column}, or one clear error naming the source, the column and what was expected. */
    static Shape shape(StructType schema, String column, String source) {
        if (!List.of(schema.fieldNames()).contains(column)) {
            throw new BadInputException(source + ": no column '" + column + "'; expected an array<float> or"
                    + " array<array<float>> column (columns: " + String.join(", ", schema.fieldNames()) + ")");
        }
        DataType t = schema.apply(column).dataType();
        if (t instanceof ArrayType a) {
            if (a.elementType().equals(DataTypes.FloatType)) {
                return Shape.TOKENS;
            }
            if (a.elementType() instanceof ArrayType b && b.elementType().equals(DataTypes.FloatType)) {
                return Shape.SEQUENCES;
            }
        }
        throw new BadInputException(source + ": column '" + column + "' is " + t.simpleString() + "; expected"
                + " array<float> (one row per token) or array<array<float>> (one row per sequence)");
    }

    /** The rows of a table column: a counting pass gives each partition its first global row, then the blocks. */
    static JavaRDD<RowBlock> column(Dataset<Row> df, String column, String source, int d, int batch) {
        Shape shape = shape(df.schema(), column, source);
        JavaRDD<InternalRow> rdd = df.select(functions.col(column)).queryExecution().toRdd().toJavaRDD();
        boolean seq = shape == Shape.SEQUENCES;
        List<Long> counts = rdd.mapPartitions(it -> {
            long c = 0;
            while (it.hasNext()) {
                InternalRow r = it.next();
                c += seq ? (r.isNullAt(0) ? 0 : r.getArray(0).numElements()) : 1;
            }
            return List.of(c).iterator();
        }).collect();
        long[] first = new long[counts.size()];
        for (int p = 1; p < first.length; p++) {
            first[p] = first[p - 1] + counts.get(p - 1);
        }
        return rdd.mapPartitionsWithIndex((p, it) -> new ColumnBlocks(it, first[p], seq, d, batch, column, source),
                true);
    }

    /** What a {@code --data} path holds. */
    enum Kind { NPY, PARQUET }

    /**
     * {@code .npy} shards or Parquet, decided before Spark reads anything, so that a path neither holds (a text
     * file, tokens.tsv, an activations root) gets one line instead of a failed job. A URI goes to Spark as Parquet.
     */
    static Kind kind(String data) throws IOException {
        if (data.contains("://")) {
            return Kind.PARQUET; // .npy shards are read from a path every executor mounts
        }
        Path p = Path.of(data);
        String expected = "; expected Parquet files or a .npy file or shard directory";
        if (!Files.exists(p)) {
            throw new BadInputException(data + ": no such file or directory" + expected);
        }
        if (Files.isRegularFile(p)) {
            if (p.getFileName().toString().endsWith(".npy")) {
                return Kind.NPY;
            }
            if (parquetMagic(p)) {
                return Kind.PARQUET;
            }
            throw new BadInputException(data + ": neither a .npy file nor Parquet (no PAR1 magic)" + expected
                    + (p.getFileName().toString().equals("tokens.tsv") ? " (tokens.tsv goes to --tokens)" : ""));
        }
        if (Files.isRegularFile(p.resolve(ActivationSource.INFO))) {
            List<String> outs = new ArrayList<>();
            try (Stream<Path> s = Files.list(p)) {
                s.filter(Files::isDirectory).map(x -> x.getFileName().toString()).sorted().forEach(outs::add);
            }
            throw new BadInputException(data + ": an 'sae4j activations' output, not one of its tensors; expected"
                    + " one of its output directories (" + String.join(", ", outs) + ")");
        }
        try (Stream<Path> s = Files.walk(p)) {
            List<Path> files = s.filter(Files::isRegularFile).toList();
            if (files.stream().anyMatch(f -> f.getParent().equals(p) && f.toString().endsWith(".npy"))) {
                return Kind.NPY;
            }
            for (Path f : files) {
                if (f.toString().endsWith(".parquet") || parquetMagic(f)) {
                    return Kind.PARQUET;
                }
            }
        }
        throw new BadInputException(data + ": a directory with no .npy or Parquet files" + expected);
    }

    private static boolean parquetMagic(Path f) throws IOException {
        if (Files.size(f) < 8) {
            return false;
        }
        try (var in = Files.newInputStream(f)) {
            byte[] b = in.readNBytes(4);
            return b[0] == 'P' && b[1] == 'A' && b[2] == 'R' && b[3] == '1';
        }
    }

    /** A {@code .npy} file or shard directory, read by every task from the same path (a shared file system). */
    static JavaRDD<RowBlock> npy(JavaSparkContext sc, Path path, int d, int batch, int tasks) throws IOException {
        String p = path.toAbsolutePath().normalize().toString();
        long rows;
        try (NpyDataset data = NpyDataset.open(Path.of(p))) {
            if (data.dim() != d) {
                throw new BadInputException(data.source() + ": rows have " + data.dim() + " columns; expected the"
                        + " model's dim " + d);
            }
            rows = data.rows();
        }
        long per = Math.max(batch, (rows + tasks - 1) / Math.max(1, tasks));
        List<long[]> ranges = new ArrayList<>();
        for (long r = 0; r < rows; r += per) {
            ranges.add(new long[] {r, Math.min(rows, r + per)});
        }
        return sc.parallelize(ranges, Math.max(1, ranges.size())).flatMap(r -> new NpyBlocks(p, r[0], r[1], d, batch));
    }

    /** Rows of a column, {@code batch} at a time, checked for width and nulls. */
    private static final class ColumnBlocks implements Iterator<RowBlock> {
        private final Iterator<InternalRow> in;
        private final boolean seq;
        private final int d;
        private final int batch;
        private final String column;
        private final String source;
        private long next;
        private long tableRow = -1;
        private ArrayData current; // the sequence being cut, when seq
        private int pos;

        ColumnBlocks(Iterator<InternalRow> in, long first, boolean seq, int d, int batch, String column,
                     String source) {
            this.in = in;
            this.next = first;
            this.seq = seq;
            this.d = d;
            this.batch = batch;
            this.column = column;
            this.source = source;
        }

        @Override
        public boolean hasNext() {
            if (!seq) {
                return in.hasNext();
            }
            while (current == null || pos == current.numElements()) {
                if (!in.hasNext()) {
                    return false;
                }
                InternalRow r = in.next();
                tableRow++;
                if (r.isNullAt(0)) {
                    throw bad("a null sequence");
                }
                current = r.getArray(0).copy(); // the scan reuses its row buffers
                pos = 0;
            }
            return true;
        }

        @Override
        public RowBlock next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            float[] x = new float[batch * d];
            int rows = 0;
            long firstRow = next;
            while (rows < batch && hasNext()) {
                ArrayData row;
                if (seq) {
                    if (current.isNullAt(pos)) {
                        throw bad("a null token at position " + pos);
                    }
                    row = current.getArray(pos++);
                } else {
                    InternalRow r = in.next();
                    tableRow++;
                    if (r.isNullAt(0)) {
                        throw bad("null");
                    }
                    row = r.getArray(0);
                }
                if (row.numElements() != d) {
                    throw bad(row.numElements() + " values" + (seq ? " at position " + (pos - 1) : "")
                            + "; expected the model's dim " + d);
                }
                for (int i = 0; i < d; i++) {
                    if (row.isNullAt(i)) {
                        throw bad("a null value at index " + i);
                    }
                    x[rows * d + i] = row.getFloat(i);
                }
                rows++;
                next++;
            }
            return new RowBlock(firstRow, rows, x);
        }

        private BadInputException bad(String what) {
            return new BadInputException(source + ": column '" + column + "', " + (seq ? "sequence " + tableRow
                    + " of this partition (rows from " + next + ")" : "row " + next) + ": " + what);
        }
    }

    /** Rows {@code [from, to)} of a {@code .npy} dataset, {@code batch} at a time; the file stays open meanwhile. */
    private static final class NpyBlocks implements Iterator<RowBlock> {
        private final int d;
        private final int batch;
        private final long to;
        private long next;
        private NpyDataset data;

        NpyBlocks(String path, long from, long to, int d, int batch) throws IOException {
            this.data = NpyDataset.open(Path.of(path));
            this.next = from;
            this.to = to;
            this.d = d;
            this.batch = batch;
        }

        @Override
        public boolean hasNext() {
            if (next < to) {
                return true;
            }
            if (data != null) {
                try {
                    data.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                data = null;
            }
            return false;
        }

        @Override
        public RowBlock next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int rows = (int) Math.min(batch, to - next);
            float[] x = new float[rows * d];
            data.readRows(next, rows, x, 0);
            RowBlock b = new RowBlock(next, rows, x);
            next += rows;
            return b;
        }
    }
}
