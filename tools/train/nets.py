"""nets.py - the two small transformers, written out in PyTorch with Hugging Face parameter
names so that the state dict is a BERT / GPT-2 checkpoint as the C reference model reads it
(docs/model.md "Real weights"). Own code; the layouts follow the HF conventions:
GPT-2 Conv1D weights are [in, out], BERT Linear weights [out, in]."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class Conv1D(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_in, n_out) * 0.02)
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return x @ self.weight + self.bias


def attention(q, k, v, heads, causal):
    B, T, D = q.shape
    dh = D // heads
    q = q.view(B, T, heads, dh).transpose(1, 2)
    k = k.view(B, T, heads, dh).transpose(1, 2)
    v = v.view(B, T, heads, dh).transpose(1, 2)
    s = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
    if causal:
        m = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)
        s = s.masked_fill(m, float("-inf"))
    p = s.softmax(-1)
    return (p @ v).transpose(1, 2).reshape(B, T, D)


# ---------------------------------------------------------------- GPT-2
class GPTAttn(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.c_attn = Conv1D(d, 3 * d)
        self.c_proj = Conv1D(d, d)

    def forward(self, x):
        q, k, v = self.c_attn(x).split(x.shape[-1], dim=-1)
        return self.c_proj(attention(q, k, v, self.h, True))


class GPTMLP(nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.c_fc = Conv1D(d, f)
        self.c_proj = Conv1D(f, d)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class GPTBlock(nn.Module):
    def __init__(self, d, h, f):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d, eps=1e-5)
        self.attn = GPTAttn(d, h)
        self.ln_2 = nn.LayerNorm(d, eps=1e-5)
        self.mlp = GPTMLP(d, f)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPTBody(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wte = nn.Embedding(c["vocab_size"], c["n_embd"])
        self.wpe = nn.Embedding(c["n_positions"], c["n_embd"])
        self.h = nn.ModuleList(GPTBlock(c["n_embd"], c["n_head"], c["n_inner"])
                               for _ in range(c["n_layer"]))
        self.ln_f = nn.LayerNorm(c["n_embd"], eps=1e-5)
        nn.init.normal_(self.wte.weight, std=0.02)
        nn.init.normal_(self.wpe.weight, std=0.01)


class GPT2LM(nn.Module):
    """GPT2LMHeadModel: lm_head tied to wte (so not stored separately)."""
    def __init__(self, c):
        super().__init__()
        self.transformer = GPTBody(c)

    def forward(self, ids):
        t = self.transformer
        pos = torch.arange(ids.shape[1], device=ids.device)
        x = t.wte(ids) + t.wpe(pos)
        for b in t.h:
            x = b(x)
        return t.ln_f(x) @ t.wte.weight.t()


# ---------------------------------------------------------------- BERT
class Lin(nn.Linear):
    def __init__(self, i, o):
        super().__init__(i, o)
        nn.init.normal_(self.weight, std=0.02)
        nn.init.zeros_(self.bias)


class BertSelf(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.query, self.key, self.value = Lin(d, d), Lin(d, d), Lin(d, d)


class BertAttnOut(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.dense = Lin(d, d)
        self.LayerNorm = nn.LayerNorm(d, eps=1e-12)


class BertAttention(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.self = BertSelf(d)
        self.output = BertAttnOut(d)


class BertInter(nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.dense = Lin(d, f)


class BertOut(nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.dense = Lin(f, d)
        self.LayerNorm = nn.LayerNorm(d, eps=1e-12)


class BertLayer(nn.Module):
    def __init__(self, d, h, f):
        super().__init__()
        self.h = h
        self.attention = BertAttention(d)
        self.intermediate = BertInter(d, f)
        self.output = BertOut(d, f)

    def forward(self, x):
        s = self.attention.self
        a = attention(s.query(x), s.key(x), s.value(x), self.h, False)
        o = self.attention.output
        x = o.LayerNorm(x + o.dense(a))
        y = self.output.dense(F.gelu(self.intermediate.dense(x)))
        return self.output.LayerNorm(x + y)


class BertEmb(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["hidden_size"]
        self.word_embeddings = nn.Embedding(c["vocab_size"], d)
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], d)
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], d)
        self.LayerNorm = nn.LayerNorm(d, eps=1e-12)
        for e in (self.word_embeddings, self.token_type_embeddings):
            nn.init.normal_(e.weight, std=0.02)
        # sinusoidal start at the word embeddings' scale (then trained): a byte-level MLM must
        # find its neighbours; with small random position embeddings it stalled at the unigram
        # loss, and at full amplitude the positions swamped the words
        pos = torch.arange(c["max_position_embeddings"], dtype=torch.float32)[:, None]
        i = torch.arange(0, d, 2, dtype=torch.float32)[None, :]
        ang = pos / torch.pow(10000.0, i / d)
        with torch.no_grad():
            self.position_embeddings.weight[:, 0::2] = 0.03 * torch.sin(ang)
            self.position_embeddings.weight[:, 1::2] = 0.03 * torch.cos(ang)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(c["hidden_size"], c["num_attention_heads"],
                                             c["intermediate_size"])
                                   for _ in range(c["num_hidden_layers"]))


class BertPooler(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.dense = Lin(d, d)


class BertBody(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = BertEmb(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c["hidden_size"])


class Transform(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.dense = Lin(d, d)
        self.LayerNorm = nn.LayerNorm(d, eps=1e-12)


class Predictions(nn.Module):
    def __init__(self, d, v):
        super().__init__()
        self.transform = Transform(d)
        self.bias = nn.Parameter(torch.zeros(v))


class ClsHeads(nn.Module):
    def __init__(self, d, v):
        super().__init__()
        self.predictions = Predictions(d, v)


class BertMLMCls(nn.Module):
    """BertForPreTraining-like: bert.* body, cls.predictions.* MLM head (decoder tied to the word
    embeddings), plus BertForSequenceClassification's pooler + classifier."""
    def __init__(self, c):
        super().__init__()
        self.bert = BertBody(c)
        self.cls = ClsHeads(c["hidden_size"], c["vocab_size"])
        self.classifier = Lin(c["hidden_size"], c["num_labels"])

    def encode(self, ids):
        e = self.bert.embeddings
        pos = torch.arange(ids.shape[1], device=ids.device)
        x = e.word_embeddings(ids) + e.position_embeddings(pos) + e.token_type_embeddings.weight[0]
        x = e.LayerNorm(x)
        for lay in self.bert.encoder.layer:
            x = lay(x)
        return x

    def mlm_logits(self, x):
        t = self.cls.predictions.transform
        y = t.LayerNorm(F.gelu(t.dense(x)))
        return y @ self.bert.embeddings.word_embeddings.weight.t() + self.cls.predictions.bias

    def cls_logits(self, x):
        pooled = torch.tanh(self.bert.pooler.dense(x[:, 0]))
        return self.classifier(pooled)
