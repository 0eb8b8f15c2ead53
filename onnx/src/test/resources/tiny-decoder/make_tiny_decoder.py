#!/usr/bin/python3
"""Writes the tiny decoder-only language model the splice tests run (seeded, random weights, nothing learned).

Run with Debian's PyTorch (python3-torch; torch 1.13 here), from this directory:
    /usr/bin/python3 make_tiny_decoder.py
It writes
    tiny-decoder.onnx       input_ids, attention_mask -> logits [batch, sequence, vocab]; GPT-style pre-LN blocks,
                            causal attention, learned positions, no token_type_ids, no past_key_values
    tiny-decoder-with-past.onnx  the same weights exported as Optimum's text-generation-with-past is: inputs
                            input_ids, attention_mask [batch, past + sequence], past_key_values.L.key/value
                            [batch, heads, past, head_dim]; outputs logits and present.L.key/value
    tiny-decoder-tail.onnx  the same model from block 0's residual output on: hidden [batch, sequence, d],
                            attention_mask -> logits; an independent cut that the tests feed by hand
    tokenizer.json          a word-level tokenizer over VOCAB (lower-cased, whitespace split, <bos> prepended)
The files are committed; rerun only to change the model. Block 0's residual output, the hook the tests splice
at, is the tensor /blocks.0/Add_2_output_0 (torch.onnx's scoped names; Add_1 is inside the GELU).
"""
import json
import torch
import torch.nn as nn

WORDS = ("the a cat dog sat on mat rug and ran to from big small red blue sun moon is was it he she they "
         "we saw see over under by in of with . , !").split()
SPECIALS = ["<pad>", "<bos>", "<unk>"]
VOCAB = SPECIALS + WORDS
D, HEADS, LAYERS, MAX_POS = 16, 2, 2, 64


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D)
        self.qkv = nn.Linear(D, 3 * D)
        self.proj = nn.Linear(D, D)
        self.ln2 = nn.LayerNorm(D)
        self.up = nn.Linear(D, 4 * D)
        self.down = nn.Linear(4 * D, D)

    def forward(self, x, allowed):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(D, dim=2)
        dh = D // HEADS
        q = q.reshape(b, t, HEADS, dh).transpose(1, 2)
        k = k.reshape(b, t, HEADS, dh).transpose(1, 2)
        v = v.reshape(b, t, HEADS, dh).transpose(1, 2)
        s = q @ k.transpose(2, 3) / dh ** 0.5
        s = s.masked_fill(~allowed, -1e4)  # finite: a padding query row (all masked) stays a number
        a = (s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, D)
        x = x + self.proj(a)
        return x + self.down(nn.functional.gelu(self.up(self.ln2(x))))


def allowed_keys(attention_mask):
    """[b, 1, t, t]: query i sees key j when j <= i (causal) and j is not padding."""
    t = attention_mask.shape[1]
    pos = torch.arange(t)
    causal = pos[None, :] <= pos[:, None]
    return causal[None, None, :, :] & (attention_mask[:, None, None, :] > 0)


class WithPast(nn.Module):
    """The decoder with a key/value cache: what sae4j feeds empty (past = 0) to run a document from its start."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask, *past):
        b, t = input_ids.shape
        p = past[0].shape[2]
        m = self.m
        x = m.tok(input_ids) + m.pos(torch.arange(t) + p)[None, :, :]
        qpos = torch.arange(t) + p
        kpos = torch.arange(t + p)
        allowed = (kpos[None, :] <= qpos[:, None])[None, None] & (attention_mask[:, None, None, :] > 0)
        present = []
        for i, blk in enumerate(m.blocks):
            q, k, v = blk.qkv(blk.ln1(x)).split(D, dim=2)
            dh = D // HEADS
            q = q.reshape(b, t, HEADS, dh).transpose(1, 2)
            k = torch.cat([past[2 * i], k.reshape(b, t, HEADS, dh).transpose(1, 2)], dim=2)
            v = torch.cat([past[2 * i + 1], v.reshape(b, t, HEADS, dh).transpose(1, 2)], dim=2)
            present += [k, v]
            s = (q @ k.transpose(2, 3) / dh ** 0.5).masked_fill(~allowed, -1e4)
            a = (s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, D)
            x = x + blk.proj(a)
            x = x + blk.down(nn.functional.gelu(blk.up(blk.ln2(x))))
        return (m.head(m.ln_f(x)), *present)


class Tail(nn.Module):
    def __init__(self, blocks, ln_f, head):
        super().__init__()
        self.blocks, self.ln_f, self.head = blocks, ln_f, head

    def forward(self, hidden, attention_mask):
        allowed = allowed_keys(attention_mask)
        x = hidden
        for blk in self.blocks:
            x = blk(x, allowed)
        return self.head(self.ln_f(x))


class TinyDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(len(VOCAB), D)
        self.pos = nn.Embedding(MAX_POS, D)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln_f = nn.LayerNorm(D)
        self.head = nn.Linear(D, len(VOCAB), bias=False)

    def forward(self, input_ids, attention_mask):
        t = input_ids.shape[1]
        x = self.tok(input_ids) + self.pos(torch.arange(t))[None, :, :]
        allowed = allowed_keys(attention_mask)
        for blk in self.blocks:
            x = blk(x, allowed)
        return self.head(self.ln_f(x))


def tokenizer_json():
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, s in enumerate(SPECIALS)],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}}],
            "special_tokens": {"<bos>": {"id": "<bos>", "ids": [1], "tokens": ["<bos>"]}},
        },
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": {w: i for i, w in enumerate(VOCAB)}, "unk_token": "<unk>"},
    }


def main():
    torch.manual_seed(23)
    m = TinyDecoder().eval()
    with torch.no_grad():  # larger weights than the default init, so ablations move the logits visibly
        for p in m.parameters():
            if p.dim() > 1:
                p.normal_(0, 0.3)
    ids = torch.tensor([[1, 5, 6, 7, 8, 3], [1, 4, 5, 6, 0, 0]])
    mask = (ids != 0).long()
    dyn = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
           "logits": {0: "batch", 1: "sequence"}}
    torch.onnx.export(m, (ids, mask), "tiny-decoder.onnx", input_names=["input_ids", "attention_mask"],
                      output_names=["logits"], dynamic_axes=dyn, opset_version=14)
    names = [f"past_key_values.{i}.{kv}" for i in range(LAYERS) for kv in ("key", "value")]
    presents = [n.replace("past_key_values", "present") for n in names]
    past = tuple(torch.randn(2, HEADS, 3, D // HEADS) for _ in names)
    pmask = torch.ones(2, 3 + ids.shape[1], dtype=torch.long)
    dyn_p = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "past_sequence + sequence"},
             "logits": {0: "batch", 1: "sequence"}}
    for n in names:
        dyn_p[n] = {0: "batch", 2: "past_sequence"}
    for n in presents:
        dyn_p[n] = {0: "batch", 2: "past_sequence + sequence"}
    torch.onnx.export(WithPast(m).eval(), (ids, pmask, *past), "tiny-decoder-with-past.onnx",
                      input_names=["input_ids", "attention_mask"] + names, output_names=["logits"] + presents,
                      dynamic_axes=dyn_p, opset_version=14)
    tail = Tail(m.blocks[1:], m.ln_f, m.head).eval()
    hidden = torch.randn(2, 6, D)
    dyn_t = {"hidden": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
             "logits": {0: "batch", 1: "sequence"}}
    torch.onnx.export(tail, (hidden, mask), "tiny-decoder-tail.onnx", input_names=["hidden", "attention_mask"],
                      output_names=["logits"], dynamic_axes=dyn_t, opset_version=14)
    with open("tokenizer.json", "w") as f:
        json.dump(tokenizer_json(), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
