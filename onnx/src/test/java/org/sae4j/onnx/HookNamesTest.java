package org.sae4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sae4j.BadInputException;

/** blocks.N.hook_resid_post maps to the tensor after block N, counted from 0 as TransformerLens counts. */
class HookNamesTest {
    @Test
    void miniLmBlocksAreItsSixEncoderLayers() throws Exception {
        ModelSource m = ModelSource.resolve("builtin:all-minilm-l6-v2", null);
        OnnxGraph g = OnnxGraph.parse(m.modelBytes(), m.model());
        List<HookNames.Block> blocks = HookNames.blocks(g);
        assertThat(blocks).extracting(HookNames.Block::index).containsExactly(0, 1, 2, 3, 4, 5);
        // Hugging Face BERT: a block ends with its output LayerNorm (the residual add inside it).
        assertThat(HookNames.resolve(g, "blocks.2.hook_resid_post", "m"))
                .isEqualTo("/encoder/layer.2/output/LayerNorm/Add_1_output_0");
        assertThat(HookNames.hookName(g, "/encoder/layer.0/output/LayerNorm/Add_1_output_0"))
                .isEqualTo("blocks.0.hook_resid_post");
        assertThat(blocks.get(5).residPost()).isIn("last_hidden_state",
                "/encoder/layer.5/output/LayerNorm/Add_1_output_0");
        assertThat(HookNames.resolve(g, "last_hidden_state", "m")).isEqualTo("last_hidden_state");
        assertThat(HookNames.hookName(g, "/encoder/layer.2/attention/output/LayerNorm/Add_1_output_0")).isNull();
        assertThatThrownBy(() -> HookNames.resolve(g, "blocks.6.hook_resid_post", "m --output blocks.6"))
                .isInstanceOf(BadInputException.class)
                .hasMessage("m --output blocks.6: no block 6 for 'blocks.6.hook_resid_post'; expected blocks.0 to"
                        + " blocks.5.hook_resid_post");
    }

    @Test
    void theTinyDecodersBlocksEndAtTheirSecondResidualAdd() throws Exception {
        Path dir = Path.of(HookNamesTest.class.getResource("/tiny-decoder/tiny-decoder.onnx").toURI()).getParent();
        OnnxGraph g = OnnxGraph.parse(Files.readAllBytes(dir.resolve("tiny-decoder.onnx")), "tiny");
        assertThat(HookNames.blocks(g)).extracting(HookNames.Block::index).containsExactly(0, 1);
        assertThat(HookNames.resolve(g, "blocks.0.hook_resid_post", "tiny")).isEqualTo("/blocks.0/Add_2_output_0");
        assertThat(HookNames.resolve(g, "blocks.1.hook_resid_post", "tiny")).isEqualTo("/blocks.1/Add_2_output_0");
    }
}
