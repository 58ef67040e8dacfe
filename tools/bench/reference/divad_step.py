#!/usr/bin/env python3
"""DIVAD-GM training steps in PyTorch, the reference that `npm run bench -- reference` times ours against.

A port of packages/models/src/divad/network.ts (docs/divad.md §3.1-§3.3): the same layers, widths, loss terms and
optimiser, so that a step does the same arithmetic. PyTorch's GRU is the reset_after form (two biases), as Keras's
and ours; its gate order differs, which changes no count or cost. AdamW: each gradient clipped to its own L2 norm,
then torch.optim.AdamW (decoupled decay; eps added after the bias correction, where Keras adds it before: the same
work). Single-threaded (torch.set_num_threads(1)), as one user process on one core.

  python3 divad_step.py --table CASE_JSON   parameter counts per network, from the layer sizes (no torch needed)
  python3 divad_step.py --serve             one JSON request per stdin line, one JSON answer per stdout line:
      {"op": "build", "case": CASE}                   -> {"parameters": n, "groups": {...}}
      {"op": "steps", "name": NAME, "count": n}       -> {"ms": [...], "cpuMs": [...]}   (wall and process CPU time
                                                          per step, the loss read back each step)
      {"op": "info"}                                  -> torch version, threads and the BLAS library loaded

CASE (the bench's case, JSON): name, network ('dense' | 'rec'), windowLength, featureCount, hidden, latentDim,
priorHidden, domains, components, batch, beta, alpha, learningRate, weightDecay, clipNorm and, for 'rec', rec =
{convFilters, kernelSize, stride, gruUnits}.
"""
import json
import math
import sys
import time

LOG_2PI = math.log(2 * math.pi)
SCALE_SHIFT = 1e-4


# ---------------------------------------------------------------------------------------------------------------
# Layer sizes (pure Python): what the torch modules below must hold, network by network


def dense_count(sizes):
    """Linear layers through the widths: Σ in·out + out"""
    return sum(i * o + o for i, o in zip(sizes, sizes[1:]))


def gru_count(inputs, units):
    """reset_after GRU: 3u·(in + u) weights and two 3u biases"""
    return 3 * units * (inputs + units) + 2 * 3 * units


def rec_encoder_count(rec, features, out):
    total, channels = 0, features
    for f in rec["convFilters"]:
        total += rec["kernelSize"] * channels * f + f
        channels = f
    for u in rec["gruUnits"]:
        total += gru_count(channels, u)
        channels = u
    return total + dense_count([channels, out])


def rec_decoder_count(rec, code, out_channels):
    total, channels = 0, code
    for u in reversed(rec["gruUnits"]):
        total += gru_count(channels, u)
        channels = u
    filters = rec["convFilters"]
    for i in range(len(filters)):
        f = out_channels if i == len(filters) - 1 else filters[len(filters) - 2 - i]
        total += rec["kernelSize"] * channels * f + f
        channels = f
    return total


def parameter_table(case):
    """trainable parameters per network: enc_y, enc_d, prior_d, dec, cls, prior_y"""
    n = case["windowLength"] * case["featureCount"]
    L = case["latentDim"]
    if case["network"] == "rec":
        encoder = rec_encoder_count(case["rec"], case["featureCount"], 2 * L)
        decoder = rec_decoder_count(case["rec"], 2 * L, 2 * case["featureCount"])
    else:
        encoder = dense_count([n, *case["hidden"], 2 * L])
        decoder = dense_count([2 * L, *reversed(case["hidden"]), 2 * n])
    K = case["components"]
    return {
        "enc_y": encoder,
        "enc_d": encoder,
        "prior_d": dense_count([case["domains"], case["priorHidden"], 2 * L]),
        "dec": decoder,
        "cls": dense_count([L, case["domains"]]),
        "prior_y": K + 2 * K * L,
    }


# ---------------------------------------------------------------------------------------------------------------
# The networks and the loss (torch)


def build(case):
    import torch
    from torch import nn
    import torch.nn.functional as F

    W, D, L = case["windowLength"], case["featureCount"], case["latentDim"]
    nd, K = case["domains"], case["components"]

    def mlp(sizes):
        """Linear + ReLU per hidden width, the last Linear without activation"""
        layers = []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i + 2 < len(sizes):
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    class RecEncoder(nn.Module):
        """Conv1D('same') + ReLU per layer → GRU per layer, the last state → Linear head"""

        def __init__(self, rec, features, out):
            super().__init__()
            if rec["stride"] != 1:
                raise ValueError(f"stride {rec['stride']}: only stride 1 is ported ('same' padding)")
            channels, self.convs, self.grus = features, nn.ModuleList(), nn.ModuleList()
            for f in rec["convFilters"]:
                self.convs.append(nn.Conv1d(channels, f, rec["kernelSize"], padding="same"))
                channels = f
            for u in rec["gruUnits"]:
                self.grus.append(nn.GRU(channels, u, batch_first=True))
                channels = u
            self.head = nn.Linear(channels, out)

        def forward(self, x):  # x [B, W, D]
            h = x.transpose(1, 2)
            for conv in self.convs:
                h = F.relu(conv(h))
            h = h.transpose(1, 2)
            for gru in self.grus:
                h, last = gru(h)
            return self.head(last[0])

    class RecDecoder(nn.Module):
        """RepeatVector(W) → GRU per layer (reversed) → Conv1DTranspose mirroring the convs, the last linear"""

        def __init__(self, rec, code, out_channels):
            super().__init__()
            channels, self.grus, self.deconvs = code, nn.ModuleList(), nn.ModuleList()
            for u in reversed(rec["gruUnits"]):
                self.grus.append(nn.GRU(channels, u, batch_first=True))
                channels = u
            k, filters = rec["kernelSize"], rec["convFilters"]
            for i in range(len(filters)):
                f = out_channels if i == len(filters) - 1 else filters[len(filters) - 2 - i]
                # stride 1, 'same': (k − 1)/2 on each side keeps the length (k odd)
                self.deconvs.append(nn.ConvTranspose1d(channels, f, k, padding=(k - 1) // 2))
                channels = f

        def forward(self, z):  # z [B, 2L]
            h = z.unsqueeze(1).expand(-1, W, -1)
            for gru in self.grus:
                h, _ = gru(h)
            h = h.transpose(1, 2)
            for i, deconv in enumerate(self.deconvs):
                h = deconv(h)
                if i + 1 < len(self.deconvs):
                    h = F.relu(h)
            return h.transpose(1, 2)  # [B, W, 2D]

    class Divad(nn.Module):
        def __init__(self):
            super().__init__()
            if case["network"] == "rec":
                self.enc_y = RecEncoder(case["rec"], D, 2 * L)
                self.enc_d = RecEncoder(case["rec"], D, 2 * L)
                self.dec = RecDecoder(case["rec"], 2 * L, 2 * D)
            else:
                self.enc_y = mlp([W * D, *case["hidden"], 2 * L])
                self.enc_d = mlp([W * D, *case["hidden"], 2 * L])
                self.dec = mlp([2 * L, *reversed(case["hidden"]), 2 * W * D])
            self.prior_d = mlp([nd, case["priorHidden"], 2 * L])
            self.cls = nn.Linear(L, nd)
            self.prior_y = nn.ParameterDict(
                {
                    "logits": nn.Parameter(torch.zeros(K)),
                    "means": nn.Parameter(torch.randn(K, L)),
                    "raw_scales": nn.Parameter(torch.randn(K, L)),
                }
            )

        def encode(self, net, x):
            inp = x.view(-1, W, D) if case["network"] == "rec" else x
            mu, raw = net(inp).chunk(2, dim=1)
            return mu, SCALE_SHIFT + F.softplus(raw)

        def loss(self, x, d_onehot, d_index):
            """batch mean of −ln p(x|zy,zd) + β(KL_y + KL_d) + α·CE(d) (docs/divad.md §3.2)"""
            B = x.shape[0]
            mu_y, s_y = self.encode(self.enc_y, x)
            mu_d, s_d = self.encode(self.enc_d, x)
            zy = mu_y + s_y * torch.randn_like(mu_y)
            zd = mu_d + s_d * torch.randn_like(mu_d)
            out = self.dec(torch.cat([zy, zd], 1))
            mu_x, raw_x = out.reshape(B, W, 2 * D).split(D, dim=2)
            mu_x, s_x = mu_x.reshape(B, W * D), (SCALE_SHIFT + F.softplus(raw_x)).reshape(B, W * D)
            nll = -log_normal(x, mu_x, s_x)
            mu_p, s_p = (lambda o: (o[0], SCALE_SHIFT + F.softplus(o[1])))(self.prior_d(d_onehot).chunk(2, dim=1))
            kl_d = (torch.log(s_p / s_d) + (s_d**2 + (mu_d - mu_p) ** 2) / (2 * s_p**2) - 0.5).sum(1)
            z2 = mu_y + s_y * torch.randn_like(mu_y)
            kl_y = log_normal(z2, mu_y, s_y) - self.log_mixture(z2)
            ce = F.cross_entropy(self.cls(F.relu(zd)), d_index, reduction="none")
            return (nll + case["beta"] * (kl_y + kl_d) + case["alpha"] * ce).mean()

        def log_mixture(self, z):
            """logsumexp_k [ln softmax(π)_k + ln N(z; m_k, diag s_k²)]"""
            s = SCALE_SHIFT + F.softplus(self.prior_y["raw_scales"])
            diff = (z.unsqueeze(1) - self.prior_y["means"].unsqueeze(0)) / s.unsqueeze(0)
            quad = -0.5 * (diff**2).sum(2)
            norm = -torch.log(s).sum(1) - 0.5 * L * LOG_2PI + F.log_softmax(self.prior_y["logits"], 0)
            return torch.logsumexp(quad + norm, 1)

    def log_normal(x, mu, s):
        """per row Σ_j [−ln σ_j − ½ ln 2π − (x_j − μ_j)²/(2σ_j²)]"""
        return -(0.5 * ((x - mu) / s) ** 2 + torch.log(s)).sum(1) - 0.5 * x.shape[1] * LOG_2PI

    return Divad()


class Stepper:
    """one model, its AdamW and four fixed batches, stepped in turn"""

    def __init__(self, case):
        import torch

        torch.manual_seed(0)
        self.torch = torch
        self.case = case
        self.model = build(case)
        self.parameters = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(
            self.parameters, lr=case["learningRate"], weight_decay=case["weightDecay"], eps=1e-7
        )
        B, nd = case["batch"], case["domains"]
        size = case["windowLength"] * case["featureCount"]
        self.batches = []
        for b in range(4):
            index = (torch.arange(B) + b * B) % nd
            self.batches.append((torch.randn(B, size), torch.nn.functional.one_hot(index, nd).float(), index))
        self.i = 0

    def groups(self):
        return {name: sum(p.numel() for p in m.parameters()) for name, m in self.model.named_children()}

    def step(self):
        torch = self.torch
        x, onehot, index = self.batches[self.i % 4]
        self.i += 1
        t0, c0 = time.perf_counter(), time.process_time()
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.model.loss(x, onehot, index)
        loss.backward()
        for p in self.parameters:  # Keras clipnorm: each gradient on its own
            torch.nn.utils.clip_grad_norm_([p], self.case["clipNorm"])
        self.optimizer.step()
        loss.item()
        return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000


def blas_library():
    """the BLAS shared object this process mapped (Debian picks it through alternatives)"""
    try:
        with open("/proc/self/maps") as f:
            names = {line.split()[-1] for line in f if ".so" in line}
    except OSError:
        return "unknown"
    found = sorted(n for n in names if "blas" in n.lower() or "mkl" in n.lower())
    return ", ".join(found) or "none mapped"


def serve():
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    steppers = {}
    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        if op == "info":
            answer = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_library()}
        elif op == "build":
            case = request["case"]
            stepper = steppers[case["name"]] = Stepper(case)
            groups = stepper.groups()
            table = parameter_table(case)
            if groups != table:
                raise SystemExit(f"divad_step.py: torch modules {groups} differ from the layer table {table}")
            answer = {"parameters": sum(groups.values()), "groups": groups}
        elif op == "steps":
            stepper = steppers[request["name"]]
            times = [stepper.step() for _ in range(request["count"])]
            answer = {"ms": [w for w, _ in times], "cpuMs": [c for _, c in times]}
        else:
            raise SystemExit(f"divad_step.py: unknown op {op!r}")
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def main(argv):
    if len(argv) == 2 and argv[0] == "--table":
        table = parameter_table(json.loads(argv[1]))
        print(json.dumps({"parameters": sum(table.values()), "groups": table}))
    elif argv == ["--serve"]:
        serve()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
