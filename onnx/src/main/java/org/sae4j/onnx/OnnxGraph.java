package org.sae4j.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.sae4j.BadInputException;

/**
 * The few parts of an ONNX {@code ModelProto} this module needs, read and edited on the protobuf wire format (no
 * generated ONNX classes): the top graph's nodes (name, op type, inputs, outputs), inputs, outputs and initializer names.
 *
 * <p>Why edit bytes: ONNX Runtime's Java API cannot add graph outputs, and an intermediate tensor (the residual stream
 * after block L) is only fetchable when it is one. {@link #withOutputs} appends a second {@code graph} field holding
 * only the extra {@code output} entries; protobuf parsers merge repeated occurrences of a message field, so the
 * result is the original graph with those outputs appended, without re-serialising the 90 MB of weights.
 */
public final class OnnxGraph {
    // Field numbers from onnx.proto.
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int VALUE_INFO_NAME = 1;
    private static final int VALUE_INFO_TYPE = 2;
    private static final int TYPE_TENSOR = 1;
    private static final int TENSOR_TYPE_ELEM = 1;
    private static final int TENSOR_TYPE_SHAPE = 2;
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;
    private static final int DIM_PARAM = 2;
    private static final int ELEM_FLOAT = 1;
    /** What {@link #withInputAt} renames the cut tensor's producer output to (nothing reads it). */
    public static final String CUT_SUFFIX = "/sae4j_cut";
    private static final int TENSOR_NAME = 8;

    /** A node of the top graph. */
    public record Node(String name, String opType, List<String> inputs, List<String> outputs) {}

    private final List<Node> nodes;
    private final List<String> inputs;
    private final List<String> outputs;
    private final Set<String> initializers;

    private OnnxGraph(List<Node> nodes, List<String> inputs, List<String> outputs, Set<String> initializers) {
        this.nodes = List.copyOf(nodes);
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.initializers = Set.copyOf(initializers);
    }

    /** Parses a serialized {@code ModelProto}; {@code source} names it in errors. */
    public static OnnxGraph parse(byte[] model, String source) {
        List<Node> nodes = new ArrayList<>();
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        Set<String> inits = new LinkedHashSet<>();
        boolean sawGraph = false;
        try {
            CodedInputStream in = CodedInputStream.newInstance(model);
            in.setSizeLimit(Integer.MAX_VALUE);
            while (!in.isAtEnd()) {
                int tag = in.readTag();
                if (tag == lengthDelimitedTag(MODEL_GRAPH)) {
                    sawGraph = true;
                    int limit = in.pushLimit(in.readRawVarint32());
                    readGraph(in, nodes, inputs, outputs, inits);
                    in.popLimit(limit);
                } else if (!in.skipField(tag)) {
                    break;
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new BadInputException(source + ": not an ONNX model (protobuf: " + e.getMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!sawGraph || nodes.isEmpty()) {
            throw new BadInputException(source + ": not an ONNX model (no graph with nodes); expected a .onnx file");
        }
        return new OnnxGraph(nodes, inputs, outputs, inits);
    }

    private static void readGraph(CodedInputStream in, List<Node> nodes, List<String> inputs, List<String> outputs,
            Set<String> inits) throws IOException {
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            boolean len = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            if (len && field == GRAPH_NODE) {
                int limit = in.pushLimit(in.readRawVarint32());
                nodes.add(readNode(in));
                in.popLimit(limit);
            } else if (len && (field == GRAPH_INPUT || field == GRAPH_OUTPUT)) {
                int limit = in.pushLimit(in.readRawVarint32());
                String name = readStringField(in, VALUE_INFO_NAME);
                in.popLimit(limit);
                (field == GRAPH_INPUT ? inputs : outputs).add(name);
            } else if (len && field == GRAPH_INITIALIZER) {
                int limit = in.pushLimit(in.readRawVarint32());
                inits.add(readStringField(in, TENSOR_NAME));
                in.popLimit(limit);
            } else if (!in.skipField(tag)) {
                return;
            }
        }
    }

    private static Node readNode(CodedInputStream in) throws IOException {
        String name = "";
        String op = "";
        List<String> ins = new ArrayList<>();
        List<String> outs = new ArrayList<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            boolean len = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            if (len && field == NODE_INPUT) ins.add(in.readStringRequireUtf8());
            else if (len && field == NODE_OUTPUT) outs.add(in.readStringRequireUtf8());
            else if (len && field == NODE_NAME) name = in.readStringRequireUtf8();
            else if (len && field == NODE_OP_TYPE) op = in.readStringRequireUtf8();
            else if (!in.skipField(tag)) break;
        }
        return new Node(name, op, ins, outs);
    }

    /** Reads the first string with the given field number from the current (limited) message, skipping the rest. */
    private static String readStringField(CodedInputStream in, int fieldNumber) throws IOException {
        String found = "";
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (tag == lengthDelimitedTag(fieldNumber)) {
                found = in.readStringRequireUtf8();
            } else if (!in.skipField(tag)) {
                break;
            }
        }
        return found;
    }

    private static int lengthDelimitedTag(int field) {
        return (field << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }

    public List<Node> nodes() {
        return nodes;
    }

    /** Graph inputs that are fed at run time (initializers listed as inputs, as old exporters do, left out). */
    public List<String> feedInputs() {
        return inputs.stream().filter(n -> !initializers.contains(n)).toList();
    }

    public List<String> outputs() {
        return outputs;
    }

    /** Whether {@code name} is a tensor computed by the graph (a node output), hence fetchable as an output. */
    public boolean isComputed(String name) {
        for (Node n : nodes) {
            if (n.outputs().contains(name)) return true;
        }
        return false;
    }

    /** The node computing {@code name}, or null. */
    public Node producer(String name) {
        for (Node n : nodes) {
            if (n.outputs().contains(name)) return n;
        }
        return null;
    }

    /** Every non-empty node output, in graph order, each once. */
    public List<String> computedTensors() {
        Set<String> all = new LinkedHashSet<>();
        for (Node n : nodes) {
            for (String o : n.outputs()) {
                if (!o.isEmpty()) all.add(o);
            }
        }
        return List.copyOf(all);
    }

    /**
     * The model bytes with {@code extra} appended to the top graph's outputs (names already outputs are skipped).
     * Returns {@code model} itself when nothing needs adding.
     */
    public byte[] withOutputs(byte[] model, List<String> extra) {
        List<String> add = new ArrayList<>();
        for (String e : extra) {
            if (!outputs.contains(e) && !add.contains(e)) add.add(e);
        }
        if (add.isEmpty()) return model;
        try {
            ByteArrayOutputStream graphPart = new ByteArrayOutputStream();
            CodedOutputStream g = CodedOutputStream.newInstance(graphPart);
            for (String name : add) {
                int vi = CodedOutputStream.computeStringSize(VALUE_INFO_NAME, name);
                g.writeTag(GRAPH_OUTPUT, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                g.writeUInt32NoTag(vi);
                g.writeString(VALUE_INFO_NAME, name);
            }
            g.flush();
            byte[] graphBytes = graphPart.toByteArray();
            ByteArrayOutputStream all = new ByteArrayOutputStream(model.length + graphBytes.length + 16);
            all.write(model);
            CodedOutputStream m = CodedOutputStream.newInstance(all);
            m.writeByteArray(MODEL_GRAPH, graphBytes);
            m.flush();
            return all.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The model cut at {@code tensor}: its producer's output is renamed ({@code tensor + }{@link #CUT_SUFFIX}) and
     * {@code tensor} becomes a float32 graph input of shape {@code [batch, sequence, width]}, so every consumer (in
     * subgraphs too, which read outer names) now reads what the caller feeds. Nothing else changes: the later
     * layers are the model's own nodes, run by ONNX Runtime, not a re-implementation.
     *
     * <p>Unlike {@link #withOutputs} this rewrites the top graph (one node changes), copying every other field's
     * bytes unparsed.
     */
    public byte[] withInputAt(byte[] model, String tensor, int width) {
        if (producer(tensor) == null) {
            throw new IllegalArgumentException("no node computes " + tensor);
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(model.length + 256);
            CodedOutputStream m = CodedOutputStream.newInstance(out);
            CodedInputStream in = CodedInputStream.newInstance(model);
            in.setSizeLimit(Integer.MAX_VALUE);
            boolean cut = false;
            while (!in.isAtEnd()) {
                int start = in.getTotalBytesRead();
                int tag = in.readTag();
                if (tag == lengthDelimitedTag(MODEL_GRAPH) && !cut) {
                    cut = true;
                    int limit = in.pushLimit(in.readRawVarint32());
                    byte[] graph = cutGraph(in, model, tensor, width);
                    in.popLimit(limit);
                    m.writeByteArray(MODEL_GRAPH, graph);
                } else {
                    in.skipField(tag);
                    m.writeRawBytes(model, start, in.getTotalBytesRead() - start);
                }
            }
            m.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The graph message's fields with the producer of {@code tensor} renamed and the new input appended. */
    private static byte[] cutGraph(CodedInputStream in, byte[] model, String tensor, int width) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream g = CodedOutputStream.newInstance(out);
        while (!in.isAtEnd()) {
            int start = in.getTotalBytesRead();
            int tag = in.readTag();
            if (tag == lengthDelimitedTag(GRAPH_NODE)) {
                byte[] node = in.readByteArray();
                Node n = readNode(CodedInputStream.newInstance(node));
                g.writeByteArray(GRAPH_NODE, n.outputs().contains(tensor) ? renameOutput(node, tensor) : node);
            } else {
                in.skipField(tag);
                g.writeRawBytes(model, start, in.getTotalBytesRead() - start);
            }
        }
        g.writeByteArray(GRAPH_INPUT, floatInput(tensor, width));
        g.flush();
        return out.toByteArray();
    }

    private static byte[] renameOutput(byte[] node, String tensor) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(node.length + CUT_SUFFIX.length());
        CodedOutputStream w = CodedOutputStream.newInstance(out);
        CodedInputStream in = CodedInputStream.newInstance(node);
        while (!in.isAtEnd()) {
            int start = in.getTotalBytesRead();
            int tag = in.readTag();
            if (tag == lengthDelimitedTag(NODE_OUTPUT)) {
                String o = in.readStringRequireUtf8();
                w.writeString(NODE_OUTPUT, o.equals(tensor) ? tensor + CUT_SUFFIX : o);
            } else {
                in.skipField(tag);
                w.writeRawBytes(node, start, in.getTotalBytesRead() - start);
            }
        }
        w.flush();
        return out.toByteArray();
    }

    /** A {@code ValueInfoProto}: float32 tensor {@code [batch, sequence, width]}. */
    private static byte[] floatInput(String name, int width) throws IOException {
        byte[] shape = message(s -> {
            s.writeByteArray(SHAPE_DIM, message(d -> d.writeString(DIM_PARAM, "batch")));
            s.writeByteArray(SHAPE_DIM, message(d -> d.writeString(DIM_PARAM, "sequence")));
            s.writeByteArray(SHAPE_DIM, message(d -> d.writeInt64(DIM_VALUE, width)));
        });
        byte[] tensorType = message(t -> {
            t.writeInt32(TENSOR_TYPE_ELEM, ELEM_FLOAT);
            t.writeByteArray(TENSOR_TYPE_SHAPE, shape);
        });
        byte[] type = message(t -> t.writeByteArray(TYPE_TENSOR, tensorType));
        return message(v -> {
            v.writeString(VALUE_INFO_NAME, name);
            v.writeByteArray(VALUE_INFO_TYPE, type);
        });
    }

    private interface Fields {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Fields f) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream c = CodedOutputStream.newInstance(out);
        f.write(c);
        c.flush();
        return out.toByteArray();
    }

    /** Nodes of the top graph that read {@code tensor}. */
    public List<Node> consumers(String tensor) {
        return nodes.stream().filter(n -> n.inputs().contains(tensor)).toList();
    }
}
