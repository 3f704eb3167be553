#!/usr/bin/python3
"""train.py - trains one of the two small checkpoints the reference model runs
(models/weights/<name>/): a GPT-2-style byte-level causal LM ("gpt") or a BERT-style byte-level
encoder with a masked-LM head and a 4-class classifier ("bert"), on the King James Bible text
(corpus.py). Writes model.safetensors (F32, Hugging Face names), config.json, eval.txt and
calib.txt (token-id splits, one sequence per line), train.json (command, seed, loss curve, final
metrics). One torch thread; deterministic for a given seed and step count.

    python3 tools/train/train.py gpt  --steps 700 --seed 1 --out models/weights/gpt2-kjv
    python3 tools/train/train.py bert --steps 900 --seed 1 --out models/weights/bert-kjv
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import nets  # noqa: E402
from stio import save_safetensors  # noqa: E402

CLS, SEP, MASK = 256, 257, 258
GPT_CFG = dict(model_type="gpt2", architectures=["GPT2LMHeadModel"], vocab_size=256,
               n_positions=512, n_embd=128, n_layer=4, n_head=4, n_inner=512,
               activation_function="gelu_new", layer_norm_epsilon=1e-5, tie_word_embeddings=True)
BERT_CFG = dict(model_type="bert", architectures=["BertForPreTraining"], vocab_size=260,
                hidden_size=128, num_hidden_layers=4, num_attention_heads=4,
                intermediate_size=512, hidden_act="gelu", max_position_embeddings=256,
                type_vocab_size=2, layer_norm_eps=1e-12, num_labels=4,
                id2label={str(i): n for i, n in enumerate(corpus.CLASS_NAMES)},
                tie_word_embeddings=True)
GPT_SEQ, BERT_SEQ = 512, 256
GPT_N_PROMPT = 384          # eval: perplexity over the predictions of positions 384..511


def chunks(items, n, per_item, rng):
    """Up to per_item non-overlapping windows of n bytes from each (label, bytes) item."""
    out = []
    for lab, b in items:
        starts = list(range(0, max(0, len(b) - n) + 1, n))
        rng.shuffle(starts)
        for s in sorted(starts[:per_item]):
            if len(b[s:s + n]) == n:
                out.append((lab, b[s:s + n]))
    return out


def bert_seq(text):
    return [CLS] + list(text) + [SEP]


def mask_positions(rng, n):
    k = max(1, round(0.15 * (n - 2)))
    return sorted(rng.sample(range(1, n - 1), k))


def lr_at(step, steps, base, warm):
    if step < warm:
        return base * (step + 1) / warm
    return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, steps - warm))))


def gpt_eval(model, seqs):
    """(perplexity over positions GPT_N_PROMPT.., full-sequence perplexity)"""
    with torch.no_grad():
        x = torch.tensor(seqs)
        lg = model(x[:, :-1]).log_softmax(-1)
        nll = -lg.gather(-1, x[:, 1:, None])[..., 0]
        gen = nll[:, GPT_N_PROMPT - 1:]          # predictions of tokens at positions >= N
        return math.exp(gen.mean().item()), math.exp(nll.mean().item())


def bert_eval(model, rows):
    with torch.no_grad():
        ids = torch.tensor([r[1] for r in rows])
        lab = torch.tensor([r[0] for r in rows])
        cls_acc = (model.cls_logits(model.encode(ids)).argmax(-1) == lab).float().mean().item()
        mid = ids.clone()
        hit = tot = 0
        for i, r in enumerate(rows):
            mid[i, r[2]] = MASK
        pred = model.mlm_logits(model.encode(mid)).argmax(-1)
        for i, r in enumerate(rows):
            for p in r[2]:
                hit += int(pred[i, p] == ids[i, p])
                tot += 1
        return hit / tot, cls_acc


def write_split(path, rows, bert):
    with open(path, "w") as f:
        if bert:
            f.write("# label;masked positions;ids (byte-level, [CLS]=%d [SEP]=%d) mask_id=%d\n" % (CLS, SEP, MASK))
        for r in rows:
            if bert:
                f.write("%d;%s;%s\n" % (r[0], " ".join(map(str, r[2])), " ".join(map(str, r[1]))))
            else:
                f.write(" ".join(map(str, r)) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["gpt", "bert"])
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    sp = corpus.splits()
    bert = a.model == "bert"
    cfg = dict(BERT_CFG if bert else GPT_CFG)
    model = nets.BertMLMCls(cfg) if bert else nets.GPT2LM(cfg)
    seq = BERT_SEQ if bert else GPT_SEQ
    batch = a.batch or (16 if bert else 8)
    erng = random.Random(1000 + a.seed)
    if bert:
        def rows_of(items, per_class):
            byc = [[c for c in chunks(items, seq - 2, 3, erng) if c[0] == k] for k in range(4)]
            out = []
            for k in range(4):
                erng.shuffle(byc[k])
                for lab, t in byc[k][:per_class]:
                    s = bert_seq(t)
                    out.append((lab, s, mask_positions(erng, len(s))))
            erng.shuffle(out)
            return out
        ev, ca = rows_of(sp["eval"], 24), rows_of(sp["calib"], 8)
        train = [(lab, t) for lab, t in sp["train"]]
        by_class = [[t for lab, t in train if lab == k] for k in range(4)]
    else:
        ev = [list(t) for _, t in chunks(sp["eval"], seq, 1, erng)]
        erng.shuffle(ev)
        ev = ev[:16]
        ca = [list(t) for _, t in chunks(sp["calib"], seq, 1, erng)]
        erng.shuffle(ca)
        ca = ca[:8]
        stream = b"".join(t for _, t in sp["train"])
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01, betas=(0.9, 0.98))
    curve, t0 = [], time.time()
    for step in range(a.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, a.steps, a.lr, max(20, a.steps // 20))
        if bert:
            ids, tgt, lab = [], [], []
            for _ in range(batch):
                k = rng.randrange(4)                      # class-balanced sampling
                t = by_class[k][rng.randrange(len(by_class[k]))]
                s0 = rng.randrange(max(1, len(t) - (seq - 2)))
                txt = t[s0:s0 + seq - 2].ljust(seq - 2, b"\n")
                s = bert_seq(txt)
                y = [-100] * seq
                m = list(s)
                for p in mask_positions(rng, seq):
                    y[p] = s[p]
                    u = rng.random()
                    m[p] = MASK if u < 0.8 else rng.randrange(256) if u < 0.9 else s[p]
                ids.append(m)
                tgt.append(y)
                lab.append(k)
            x = model.encode(torch.tensor(ids))
            lm = F.cross_entropy(model.mlm_logits(x).reshape(-1, cfg["vocab_size"]),
                                 torch.tensor(tgt).reshape(-1), ignore_index=-100)
            lc = F.cross_entropy(model.cls_logits(x), torch.tensor(lab))
            loss = lm + lc
            rec = {"step": step, "mlm": round(lm.item(), 4), "cls": round(lc.item(), 4)}
        else:
            xs = []
            for _ in range(batch):
                s0 = rng.randrange(len(stream) - seq - 1)
                xs.append(list(stream[s0:s0 + seq + 1]))
            x = torch.tensor(xs)
            loss = F.cross_entropy(model(x[:, :-1]).reshape(-1, 256), x[:, 1:].reshape(-1))
            rec = {"step": step, "lm": round(loss.item(), 4)}
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 10 == 0 or step == a.steps - 1:
            rec["t"] = round(time.time() - t0, 1)
            curve.append(rec)
            print(json.dumps(rec), flush=True)
    model.eval()
    if bert:
        mlm_acc, cls_acc = bert_eval(model, ev)
        metrics = {"eval_mlm_acc": mlm_acc, "eval_cls_acc": cls_acc, "eval_seqs": len(ev)}
    else:
        ppl_gen, ppl_all = gpt_eval(model, ev)
        metrics = {"eval_ppl_generated": ppl_gen, "eval_ppl_all": ppl_all, "eval_seqs": len(ev),
                   "n_prompt": GPT_N_PROMPT}
    print(json.dumps(metrics), flush=True)
    os.makedirs(a.out, exist_ok=True)
    sd = {k: v.detach().float().contiguous().numpy() for k, v in model.state_dict().items()}
    save_safetensors(os.path.join(a.out, "model.safetensors"), sd,
                     {"format": "pt", "source": "spatten-sim tools/train/train.py"})
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    write_split(os.path.join(a.out, "eval.txt"), ev, bert)
    write_split(os.path.join(a.out, "calib.txt"), ca, bert)
    with open(os.path.join(a.out, "tokens.txt"), "w") as f:   # the trace input: eval sequence 1
        f.write(" ".join(map(str, ev[0][1] if bert else ev[0])) + "\n")
    with open(os.path.join(a.out, "train.json"), "w") as f:
        json.dump({"command": "python3 tools/train/train.py " + " ".join(sys.argv[1:]),
                   "seed": a.seed, "steps": a.steps, "batch": batch, "lr": a.lr,
                   "torch": torch.__version__, "threads": 1,
                   "wall_s": round(time.time() - t0, 1), "corpus": "bible-kjv-text (KJV, public domain)",
                   "metrics": metrics, "curve": curve}, f, indent=0)


if __name__ == "__main__":
    main()
