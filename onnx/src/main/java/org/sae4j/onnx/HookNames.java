package org.sae4j.onnx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sae4j.BadInputException;

/**
 * Hook names a person can read: the residual stream after block N in TransformerLens's convention,
 * {@code blocks.N.hook_resid_post}, counted from 0 as TransformerLens does, mapped to the graph tensor.
 *
 * <p>Exporters name a block's nodes under one prefix ({@code /encoder/layer.N/} from Hugging Face BERT,
 * {@code /blocks.N/}, {@code /h.N/}, {@code /model/layers.N/}). The residual stream after the block is the output of
 * the block's last node in graph order (ONNX keeps nodes topologically sorted): BERT's closing
 * {@code output/LayerNorm}, a pre-LN decoder's second residual add.
 */
public final class HookNames {
    private static final Pattern BLOCK = Pattern.compile("^(/(?:[^/]+/)*?(?:layer|layers|blocks|block|h)\\.(\\d+)/)");
    private static final Pattern RESID_POST = Pattern.compile("blocks\\.(\\d+)\\.hook_resid_post");

    private HookNames() {}

    /** One block: its index, the node-name prefix, and the tensor after it. */
    public record Block(int index, String prefix, String residPost) {
        public String hookName() {
            return "blocks." + index + ".hook_resid_post";
        }
    }

    /** The graph's blocks in order (empty when its node names follow no known pattern). */
    public static List<Block> blocks(OnnxGraph graph) {
        Map<Integer, String> prefix = new TreeMap<>();
        Map<Integer, String> last = new LinkedHashMap<>();
        for (OnnxGraph.Node n : graph.nodes()) {
            Matcher m = BLOCK.matcher(n.name());
            if (!m.find() || n.outputs().isEmpty() || n.outputs().get(0).isEmpty()) {
                continue;
            }
            int i = Integer.parseInt(m.group(2));
            String p = prefix.putIfAbsent(i, m.group(1));
            if (p != null && !p.equals(m.group(1))) {
                continue; // a second stack with the same index (an encoder-decoder): the first one names the blocks
            }
            last.put(i, n.outputs().get(0));
        }
        List<Block> out = new ArrayList<>();
        for (Map.Entry<Integer, String> e : prefix.entrySet()) {
            out.add(new Block(e.getKey(), e.getValue(), last.get(e.getKey())));
        }
        return out;
    }

    /** The graph tensor of {@code name}: a {@code blocks.N.hook_resid_post} name mapped, anything else as given. */
    public static String resolve(OnnxGraph graph, String name, String source) {
        Matcher m = RESID_POST.matcher(name);
        if (!m.matches()) {
            return name;
        }
        List<Block> blocks = blocks(graph);
        int i = Integer.parseInt(m.group(1));
        for (Block b : blocks) {
            if (b.index() == i) {
                return b.residPost();
            }
        }
        throw new BadInputException(source + ": no block " + i + " for '" + name + "'; expected "
                + (blocks.isEmpty() ? "a graph tensor name (its node names show no blocks; see --list-outputs)"
                : "blocks." + blocks.get(0).index() + " to blocks." + blocks.get(blocks.size() - 1).index()
                + ".hook_resid_post"));
    }

    /** The readable name of a graph tensor, or null when it is no block's residual stream. */
    public static String hookName(OnnxGraph graph, String tensor) {
        for (Block b : blocks(graph)) {
            if (b.residPost().equals(tensor)) {
                return b.hookName();
            }
        }
        return null;
    }
}
