"""Write a small random checkpoint with the Hugging Face tensor names (safetensors layout) and a
token-id list, for testing the reference model's weights input.
usage: make_ckpt.py bert|gpt2 OUT.safetensors TOKENS.txt LAYERS HEADS D_MODEL D_FF N_TOKENS [--f16]
BERT names use the "bert." prefix (BertForX checkpoints); GPT-2 names have no prefix (GPT2Model).
"""
import sys

import numpy as np

import spt


def main():
    arch, out, toks, L, H, D, F, n = sys.argv[1:9]
    L, H, D, F, n = int(L), int(H), int(D), int(F), int(n)
    f16 = "--f16" in sys.argv
    rng = np.random.default_rng(1234)
    vocab, ctx = 50, max(64, n)

    def w(*shape, s=None):
        s = s if s is not None else 1.0 / np.sqrt(shape[-1] if len(shape) > 1 else 1)
        a = (rng.standard_normal(shape) * s).astype(np.float32)
        return a.astype(np.float16) if f16 else a

    t = {}
    if arch == "bert":
        p = "bert."
        t[p + "embeddings.word_embeddings.weight"] = w(vocab, D, s=1.0)
        t[p + "embeddings.position_embeddings.weight"] = w(ctx, D, s=0.5)
        t[p + "embeddings.token_type_embeddings.weight"] = w(2, D, s=0.1)
        t[p + "embeddings.LayerNorm.weight"] = (1 + w(D, s=0.1))
        t[p + "embeddings.LayerNorm.bias"] = w(D, s=0.1)
        for l in range(L):
            e = p + "encoder.layer.%d." % l
            for k in ("query", "key", "value"):
                t[e + "attention.self.%s.weight" % k] = w(D, D)          # [out, in]
                t[e + "attention.self.%s.bias" % k] = w(D, s=0.1)
            t[e + "attention.output.dense.weight"] = w(D, D)
            t[e + "attention.output.dense.bias"] = w(D, s=0.1)
            t[e + "attention.output.LayerNorm.weight"] = 1 + w(D, s=0.1)
            t[e + "attention.output.LayerNorm.bias"] = w(D, s=0.1)
            t[e + "intermediate.dense.weight"] = w(F, D)
            t[e + "intermediate.dense.bias"] = w(F, s=0.1)
            t[e + "output.dense.weight"] = w(D, F)
            t[e + "output.dense.bias"] = w(D, s=0.1)
            t[e + "output.LayerNorm.weight"] = 1 + w(D, s=0.1)
            t[e + "output.LayerNorm.bias"] = w(D, s=0.1)
        t["cls.predictions.bias"] = w(vocab, s=0.1)   # unrelated tensors are ignored
    else:
        t["wte.weight"] = w(vocab, D, s=1.0)
        t["wpe.weight"] = w(ctx, D, s=0.5)
        for l in range(L):
            e = "h.%d." % l
            t[e + "ln_1.weight"] = 1 + w(D, s=0.1)
            t[e + "ln_1.bias"] = w(D, s=0.1)
            t[e + "attn.c_attn.weight"] = w(D, 3 * D, s=1 / np.sqrt(D))  # Conv1D: [in, out]
            t[e + "attn.c_attn.bias"] = w(3 * D, s=0.1)
            t[e + "attn.c_proj.weight"] = w(D, D, s=1 / np.sqrt(D))
            t[e + "attn.c_proj.bias"] = w(D, s=0.1)
            t[e + "ln_2.weight"] = 1 + w(D, s=0.1)
            t[e + "ln_2.bias"] = w(D, s=0.1)
            t[e + "mlp.c_fc.weight"] = w(D, F, s=1 / np.sqrt(D))
            t[e + "mlp.c_fc.bias"] = w(F, s=0.1)
            t[e + "mlp.c_proj.weight"] = w(F, D, s=1 / np.sqrt(F))
            t[e + "mlp.c_proj.bias"] = w(D, s=0.1)
        t["ln_f.weight"] = 1 + w(D, s=0.1)
        t["ln_f.bias"] = w(D, s=0.1)
    spt.save(out, t, {"format": "pt"})
    ids = rng.integers(0, vocab, n)
    with open(toks, "w") as f:
        f.write(" ".join(str(int(i)) for i in ids) + "\n")


if __name__ == "__main__":
    main()
