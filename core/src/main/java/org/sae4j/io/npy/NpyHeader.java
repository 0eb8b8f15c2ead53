package org.sae4j.io.npy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.io.json.JsonFields;

/**
 * The header of a {@code .npy} file, read and checked before any data is mapped ({@link NpyFile} reads the data).
 * The header is a Python dict literal ({@link PyLiteral}); its fields are checked through {@link JsonFields} in
 * numpy's words ({@link #PYTHON_DICT}): {@code <file>: header 'shape' is None; expected a tuple such as (3, 5)}.
 *
 * @param majorVersion the format's major version: 1, 2 or 3
 * @param descr the dtype string as written, e.g. {@code <f4}
 * @param shape the header's shape (1 or 2 dimensions)
 * @param rows the first dimension of a 2-D array, or 1 for a 1-D array
 * @param cols the second dimension of a 2-D array, or the length of a 1-D array
 * @param dataOffset byte offset of the first element
 * @param dataBytes rows × cols × item size
 */
public record NpyHeader(int majorVersion, String descr, NpyFile.Kind kind, ByteOrder order, boolean fortranOrder,
        long[] shape, long rows, int cols, long dataOffset, long dataBytes) {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final String EXPECTED_DTYPES = "a float dtype (<f4, <f2, <f8, or big-endian >f4, >f2, >f8)";
    private static final String EXPECTED_HEADER =
            "a Python dict literal like {'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }";
    /** numpy's header dict: {@code <file>: header 'name' is <Python value>}, {@code header has no 'name' key}. */
    static final JsonFields.Dialect PYTHON_DICT = new JsonFields.Dialect("%1$s has no '%2$s' key; expected %4$s",
            "%1$s '%2$s' is %3$s; expected %4$s", NpyHeader::describe, false, false);

    /**
     * What every {@code .npy} header says, from a file or from a {@code .npz} entry: the checks up to here are
     * numpy's (magic, version, dict, non-negative dimensions); what a caller adds is its own ({@link #kind} for the
     * float readers, an exact dtype for {@link NpyArrays}).
     *
     * @param shape any number of dimensions
     * @param dataOffset bytes before the first element: the prefix plus the header dict
     */
    record Fields(int majorVersion, String descr, ByteOrder order, boolean fortranOrder, long[] shape,
            long dataOffset) {
        /** The float dtype this header names; any other dtype fails with one line naming it ({@code where}). */
        NpyFile.Kind kind(String where) {
            String code = descr.isEmpty() || "<>=|".indexOf(descr.charAt(0)) < 0 ? descr : descr.substring(1);
            return switch (code) {
                case "f2", "e" -> NpyFile.Kind.F16;
                case "f4", "f" -> NpyFile.Kind.F32;
                case "f8", "d" -> NpyFile.Kind.F64;
                default -> throw new BadInputException(where + ": dtype '" + descr + "' " + dtypeProblem(code)
                        + "; expected " + EXPECTED_DTYPES);
            };
        }
    }

    /** A header's bytes, read in order from wherever they come ({@link FileChannel} or {@link InputStream}). */
    @FunctionalInterface
    interface Source {
        /** The next {@code n} bytes; fewer only at the end of the input. */
        byte[] next(int n) throws IOException;
    }

    /** Reads and checks the header of {@code ch}, and the file's size against its shape. */
    static NpyHeader read(Path path, FileChannel ch) throws IOException {
        String f = path.toString();
        long size = ch.size();
        if (size < 10) {
            throw new BadInputException(f + ": file is " + size + " bytes, too short for a .npy header; expected"
                    + " at least 10 bytes starting with \\x93NUMPY");
        }
        Fields h = parse(f, "file", size, 64 << 20, channel(ch));
        NpyFile.Kind kind = h.kind(f);
        long[] shape = h.shape();
        String text = shapeText(shape);
        if (shape.length != 1 && shape.length != 2) {
            throw new BadInputException(f + ": shape " + text + " is " + shape.length
                    + "-D; expected a 1-D or 2-D (rows, cols) array");
        }
        long rows = shape.length == 1 ? 1 : shape[0];
        long colsL = shape.length == 1 ? shape[0] : shape[1];
        if (colsL > Integer.MAX_VALUE - 8) {
            throw new BadInputException(f + ": shape " + text + " has " + colsL
                    + " columns; expected fewer than 2^31 columns");
        }
        long dataBytes;
        try {
            dataBytes = Math.multiplyExact(Math.multiplyExact(rows, colsL), (long) kind.itemSize);
        } catch (ArithmeticException e) {
            throw new BadInputException(f + ": shape " + text + " overflows a 64-bit byte count;"
                    + " expected a plausible shape");
        }
        long dataOffset = h.dataOffset();
        if (size - dataOffset < dataBytes) {
            throw new BadInputException(f + ": file is " + size + " bytes but shape " + text
                    + " of dtype '" + h.descr() + "' needs " + dataBytes + " data bytes after the " + dataOffset
                    + "-byte header (" + (dataOffset + dataBytes) + " bytes in all); expected a complete file"
                    + " (it is truncated)");
        }
        return new NpyHeader(h.majorVersion(), h.descr(), kind, h.order(), h.fortranOrder(), shape, rows,
                (int) colsL, dataOffset, dataBytes);
    }

    /**
     * Reads and checks the header at the start of {@code in}, a {@code .npz} entry whose size is not known up front
     * ({@code where} prefixes messages, e.g. {@code "w.npz: array 'W_enc'"}). A header dict of more than 1 MiB is
     * refused: no writer makes one, and a zip entry could otherwise inflate into an arbitrary allocation.
     */
    static Fields read(String where, InputStream in) throws IOException {
        return parse(where, "entry", -1, 1 << 20, in::readNBytes);
    }

    /** Reads and checks the header at the start of a whole file's bytes ({@link NpyArrays}' small files). */
    static Fields read(String f, byte[] all) throws IOException {
        int[] pos = {0};
        return parse(f, "file", all.length, 64 << 20, n -> {
            int k = Math.min(n, all.length - pos[0]);
            pos[0] += k;
            return Arrays.copyOfRange(all, pos[0] - k, pos[0]);
        });
    }

    /**
     * The one header parse. {@code noun} names the input in messages ("file", "entry"); {@code size} is its length
     * in bytes, or -1 when only a read can tell.
     */
    private static Fields parse(String f, String noun, long size, int maxHeader, Source src) throws IOException {
        byte[] pre = src.next(10);
        checkMagic(f, noun, pre);
        if (pre.length < 10) {
            throw endOf(f, noun, pre.length);
        }
        int major = pre[6] & 0xff;
        int minor = pre[7] & 0xff;
        if ((major != 1 && major != 2 && major != 3) || minor != 0) {
            throw new BadInputException(f + ": .npy format version " + major + "." + minor
                    + " is not supported; expected 1.0, 2.0 or 3.0");
        }
        long headerLen = (pre[8] & 0xffL) | (pre[9] & 0xffL) << 8;
        int prefix = 10;
        if (major != 1) {
            if (size >= 0 && size < 12) {
                throw new BadInputException(f + ": " + noun + " is " + size + " bytes, too short for a version "
                        + major + ".0 header; expected at least 12 bytes");
            }
            byte[] more = src.next(2);
            if (more.length < 2) {
                throw endOf(f, noun, 10 + more.length);
            }
            headerLen |= (more[0] & 0xffL) << 16 | (more[1] & 0xffL) << 24;
            prefix = 12;
        }
        if (size >= 0 && prefix + headerLen > size) {
            throw new BadInputException(f + ": header length " + headerLen + " bytes runs past the end of the "
                    + noun + " (" + size + " bytes); expected a complete .npy header (the " + noun
                    + " is truncated or not a .npy " + noun + ")");
        }
        if (headerLen > maxHeader) {
            throw new BadInputException(f + ": header length " + headerLen + " bytes is implausibly large;"
                    + " expected a header of at most " + (maxHeader >> 20) + " MiB");
        }
        byte[] hb = src.next((int) headerLen);
        if (hb.length < headerLen) {
            throw endOf(f, noun, prefix + hb.length);
        }
        return fields(f, decode(f, major, hb), major, prefix + headerLen);
    }

    private static void checkMagic(String f, String noun, byte[] pre) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (i >= pre.length || pre[i] != MAGIC[i]) {
                String hint = (pre.length > 1 && pre[0] == 'P' && pre[1] == 'K') ? " (this looks like a .npz zip"
                        + " archive; extract the .npy arrays from it)" : "";
                throw new BadInputException(f + ": bad magic bytes " + printable(pre, 6) + hint
                        + "; expected a .npy " + noun + " starting with \\x93NUMPY");
            }
        }
    }

    /** The header's text: v1/v2 headers are latin-1, v3 headers UTF-8 (numpy's rule). */
    private static String decode(String f, int major, byte[] hb) {
        Charset cs = major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
        try {
            return cs.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(hb)).toString();
        } catch (CharacterCodingException e) {
            throw new BadInputException(f + ": header is not valid UTF-8; expected a version 3.0 header in UTF-8", e);
        }
    }

    /** The header dict's three keys, checked; {@code dataOffset} is where the data starts. */
    private static Fields fields(String f, String header, int major, long dataOffset) {
        Object parsed;
        try {
            parsed = PyLiteral.parse(header.strip());
        } catch (PyLiteral.SyntaxError e) {
            throw new BadInputException(f + ": bad header at " + e.getMessage() + "; expected " + EXPECTED_HEADER);
        }
        if (!(parsed instanceof Map<?, ?> dict)) {
            throw new BadInputException(f + ": header is not a dict; expected " + EXPECTED_HEADER);
        }
        JsonFields h = new JsonFields(dict, f + ": header", PYTHON_DICT);
        h.requireExactly(List.of("descr", "fortran_order", "shape"), EXPECTED_HEADER,
                "exactly 'descr', 'fortran_order' and 'shape'");
        Object d = h.require("descr", EXPECTED_DTYPES);
        if (!(d instanceof String descr)) {
            throw h.fail("descr", describe(d) + " (a structured/record dtype)", EXPECTED_DTYPES);
        }
        // '=' (native) and '|' (not applicable): numpy writes little-endian on every platform we meet.
        ByteOrder order = descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;

        boolean fortran = h.require("fortran_order", Boolean.class, "True or False");
        List<?> dims = h.require("shape", List.class, "a tuple such as (3, 5)");
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long v) || v < 0) {
                throw new BadInputException(f + ": header 'shape' " + shapeText(dims) + " has a bad dimension "
                        + dims.get(i) + "; expected non-negative integers");
            }
            shape[i] = v;
        }
        return new Fields(major, descr, order, fortran, shape, dataOffset);
    }

    private static BadInputException endOf(String f, String noun, long at) {
        return new BadInputException(f + ": unexpected end of " + noun + " at byte " + at
                + "; expected a complete header");
    }

    /** Reads {@code ch} from its start; {@link #read(Path, FileChannel)} has checked the lengths against its size. */
    private static Source channel(FileChannel ch) {
        long[] pos = {0};
        return n -> {
            ByteBuffer dst = ByteBuffer.allocate(n);
            while (dst.hasRemaining()) {
                int r = ch.read(dst, pos[0]);
                if (r < 0) {
                    break;
                }
                pos[0] += r;
            }
            return Arrays.copyOf(dst.array(), dst.position());
        };
    }

    private static String dtypeProblem(String code) {
        if (code.equals("O")) return "holds pickled Python objects, which sae4j never unpickles";
        if (code.isEmpty()) return "is empty";
        switch (code.charAt(0)) {
            case 'i': case 'u': case 'b': case 'h': case 'l': case 'q': case 'B': case 'H': case 'I': case 'L':
            case 'Q':
                return "is an integer type";
            case '?':
                return "is boolean";
            case 'c':
                return "is complex";
            case 'U': case 'S': case 'a':
                return "is a string type";
            case 'V':
                return "is a raw/structured void type";
            case 'M': case 'm':
                return "is a date/time type";
            case 'f':
                return "is a float of unsupported width";
            default:
                return "is not a supported type";
        }
    }

    /** A header value as Python writes it: {@code None}, {@code '<f4'}, {@code (3, 5)}. */
    private static String describe(Object v) {
        if (v == null) return "None";
        if (v instanceof String s) return "'" + s + "'";
        if (v instanceof List<?> l) return shapeText(l);
        return String.valueOf(v);
    }

    static String shapeText(long[] shape) {
        return shapeText(Arrays.stream(shape).boxed().toList());
    }

    private static String shapeText(List<?> dims) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.size(); i++) {
            if (i > 0) sb.append(", ");
            sb.append(dims.get(i) instanceof String s ? "'" + s + "'" : String.valueOf(dims.get(i)));
        }
        if (dims.size() == 1) sb.append(',');
        return sb.append(')').toString();
    }

    private static String printable(byte[] b, int n) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < n && i < b.length; i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.append('\'').toString();
    }
}
