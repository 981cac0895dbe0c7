#!/usr/bin/env python3
"""The quickstart model (experiments/quickstart.yaml) rebuilt in plain PyTorch, for speed comparisons.

RealNVP on 2-D data: 16 steps, each actnorm then an affine coupling whose conditioner is an MLP
[64, 64] with ELU, scale s = scale_factor * tanh(raw), forward (data -> latent) z = x * exp(s) + t on
the transformed dimension; standard normal base. The coupling's masks alternate (step k keeps the
first half when k is even, the second when k is odd) exactly as Flowlab's RealNvpFamily.

Two conditioner layouts exist, and the layout is read from the checkpoint's shapes:
  kept  - the conditioner sees only the kept half and outputs (s, t) for the transformed half
          (Flowlab since the "conditioners take only what they condition on" change);
  full  - the conditioner sees the masked full vector and outputs (s, t) for every dimension, the
          kept ones multiplied by 0 (Flowlab before it).

  python quickstart_torch.py check --checkpoint RUN/checkpoints/best.ckpt --points x.npy --logp logp.npy
      loads Flowlab's weights and compares log p with Flowlab's (from `flowlab score`), to prove that
      this is the same model;
  python quickstart_torch.py bench --batch 512 --optimizer fused --steps 300 --warmup 100
      prints "steps/s <rate>" for training steps like Flowlab's: -mean log p, backward, global
      gradient-norm clipping at 10, Adam at a per-step learning rate, gradients cleared.

Needs only torch (no numpy): .npy files are read and written here.
"""
import argparse
import ast
import io
import math
import struct
import sys
import time
import zipfile

import torch

D = 2
COUPLINGS = 16
HIDDEN = 64
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def kept_dims(k, d=D):
    """Dimensions step k keeps (Flowlab's alternating mask: the first ceil(d/2), flipped on odd k)."""
    first = list(range((d + 1) // 2))
    rest = list(range((d + 1) // 2, d))
    return (rest, first) if k % 2 == 1 else (first, rest)


class ActNorm(torch.nn.Module):
    def __init__(self, d):
        super().__init__()
        self.bias = torch.nn.Parameter(torch.zeros(d))
        self.log_scale = torch.nn.Parameter(torch.zeros(d))

    def forward(self, x):
        z = (x + self.bias) * self.log_scale.exp()
        return z, self.log_scale.sum().expand(x.shape[0])


class Coupling(torch.nn.Module):
    def __init__(self, k, layout, d=D, hidden=HIDDEN):
        super().__init__()
        self.layout = layout
        kept, changed = kept_dims(k, d)
        self.kept_first = kept[0] == 0
        self.n_kept = len(kept)
        mask = torch.zeros(1, d)
        mask[0, kept] = 1
        self.register_buffer("mask", mask)
        n_in, n_out = (len(kept), len(changed)) if layout == "kept" else (d, d)
        self.n_out = n_out
        self.net = torch.nn.Sequential(
            torch.nn.Linear(n_in, hidden),
            torch.nn.ELU(),
            torch.nn.Linear(hidden, hidden),
            torch.nn.ELU(),
            torch.nn.Linear(hidden, 2 * n_out),
        )
        torch.nn.init.zeros_(self.net[4].weight)
        torch.nn.init.zeros_(self.net[4].bias)
        self.scale_factor = torch.nn.Parameter(torch.ones(n_out))

    def forward(self, x):
        if self.layout == "full":
            raw_s, raw_t = self.net(x * self.mask).chunk(2, dim=1)
            complement = 1 - self.mask
            s = raw_s.tanh() * self.scale_factor * complement
            t = raw_t * complement
            return x * s.exp() + t, s.sum(1)
        # Flowlab's Partition: the kept features are a prefix or a suffix: one split, one concat.
        if self.kept_first:
            x_kept, x_changed = x.split([self.n_kept, x.shape[1] - self.n_kept], 1)
        else:
            x_changed, x_kept = x.split([x.shape[1] - self.n_kept, self.n_kept], 1)
        raw_s, raw_t = self.net(x_kept).chunk(2, dim=1)
        s = raw_s.tanh() * self.scale_factor
        changed = x_changed * s.exp() + raw_t
        z = torch.cat([x_kept, changed] if self.kept_first else [changed, x_kept], 1)
        return z, s.sum(1)


class RealNvp(torch.nn.Module):
    def __init__(self, layout="kept", couplings=COUPLINGS):
        super().__init__()
        self.steps = torch.nn.ModuleList()
        for k in range(couplings):
            self.steps.append(ActNorm(D))
            self.steps.append(Coupling(k, layout))

    def log_prob(self, x):
        log_det = torch.zeros(x.shape[0], dtype=x.dtype)
        for step in self.steps:
            x, ld = step(x)
            log_det = log_det + ld
        return (-0.5 * x.square() - HALF_LOG_2PI).sum(1) + log_det

    def flowlab_names(self):
        """Flowlab's parameter name for each of this model's parameters."""
        names = {}
        for i, step in enumerate(self.steps):
            k = i // 2
            if isinstance(step, ActNorm):
                names[f"step.{k}.actnorm.bias"] = step.bias
                names[f"step.{k}.actnorm.log_scale"] = step.log_scale
            else:
                for j, layer in ((0, 0), (1, 2), (2, 4)):
                    names[f"step.{k}.coupling.net.{j}.weight"] = step.net[layer].weight
                    names[f"step.{k}.coupling.net.{j}.bias"] = step.net[layer].bias
                names[f"step.{k}.coupling.scale_factor"] = step.scale_factor
        return names


# ---- .npy / .npz without numpy -------------------------------------------------------------

_DTYPES = {"<f4": (torch.float32, 4), "<f8": (torch.float64, 8), "<i8": (torch.int64, 8)}


def read_npy(data):
    if data[:6] != b"\x93NUMPY":
        raise ValueError("not an .npy file")
    major = data[6]
    if major == 1:
        (length,), start = struct.unpack("<H", data[8:10]), 10
    else:
        (length,), start = struct.unpack("<I", data[8:12]), 12
    header = ast.literal_eval(data[start : start + length].decode("latin1"))
    dtype, size = _DTYPES[header["descr"].replace("|", "<")]
    if header["fortran_order"]:
        raise ValueError("fortran-order arrays are not supported")
    shape = tuple(header["shape"])
    body = bytearray(data[start + length :])
    count = math.prod(shape)
    return torch.frombuffer(body, dtype=dtype, count=count).reshape(shape).clone()


def write_npy(path, tensor):
    tensor = tensor.detach().contiguous().to(torch.float32)
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (tuple(tensor.shape),)
    header = header.encode("latin1")
    pad = 64 - (10 + len(header) + 1) % 64
    header += b" " * pad + b"\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header)
        values = tensor.reshape(-1).tolist()
        f.write(struct.pack(f"<{len(values)}f", *values))


def read_checkpoint_params(path):
    """Flowlab checkpoint (zip holding params.npz) or a bare params.npz: name -> tensor."""
    with zipfile.ZipFile(path) as outer:
        names = outer.namelist()
        npz = outer.read("params.npz") if "params.npz" in names else None
    source = zipfile.ZipFile(io.BytesIO(npz)) if npz is not None else zipfile.ZipFile(path)
    with source:
        return {n[:-4] if n.endswith(".npy") else n: read_npy(source.read(n)) for n in source.namelist()}


def load_flowlab(path):
    params = read_checkpoint_params(path)
    first = params["step.0.coupling.net.0.weight"]
    layout = "full" if first.shape[1] == D else "kept"
    model = RealNvp(layout, couplings=sum(1 for n in params if n.endswith("coupling.scale_factor")))
    with torch.no_grad():
        for name, p in model.flowlab_names().items():
            value = params[name]
            if tuple(value.shape) != tuple(p.shape):
                raise ValueError(f"{name}: checkpoint shape {tuple(value.shape)}, model {tuple(p.shape)}")
            p.copy_(value)
    return model, layout


# ---- commands --------------------------------------------------------------------------------


def eight_gaussians(n, generator):
    k = torch.randint(0, 8, (n,), generator=generator).double()
    radius = 4.0 / 1.414
    centers = torch.stack([torch.cos(k * math.pi / 4), torch.sin(k * math.pi / 4)], 1) * radius
    return (centers + torch.randn(n, 2, generator=generator, dtype=torch.float64) * (0.5 / 1.414)).float()


def check(args):
    model, layout = load_flowlab(args.checkpoint)
    count = sum(p.numel() for p in model.parameters())
    with torch.no_grad():
        x = read_npy(open(args.points, "rb").read()).float()
        ours = model.log_prob(x).double()
    print(f"model: RealNVP, {len(model.steps) // 2} couplings, conditioner layout '{layout}', {count} parameters")
    if args.logp:
        theirs = read_npy(open(args.logp, "rb").read()).double().reshape(-1)
        diff = (ours - theirs).abs().max().item()
        print(f"max |log p (PyTorch) - log p (Flowlab)| = {diff:.3g} over {x.shape[0]} points; "
              f"mean log p {ours.mean().item():.6f} vs {theirs.mean().item():.6f}")
        if diff > args.tolerance:
            print(f"MISMATCH: above {args.tolerance}", file=sys.stderr)
            return 1
    else:
        print(f"mean log p {ours.mean().item():.6f} over {x.shape[0]} points")
    return 0


def points(args):
    g = torch.Generator().manual_seed(args.seed)
    write_npy(args.out, eight_gaussians(args.n, g))
    print(f"wrote {args.n} 8-Gaussians points to {args.out}")
    return 0


def bench(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = RealNvp(args.layout)
    params = list(model.parameters())
    fused = args.optimizer == "fused"
    optimizer = torch.optim.Adam(params, lr=5e-3, fused=True if fused else None)
    data = eight_gaussians(50_000, torch.Generator().manual_seed(0))
    batches = data.shape[0] // args.batch
    # Data-dependent actnorm initialisation, as Flowlab's first batch does.
    with torch.no_grad():
        x = data[: args.batch]
        for step in model.steps:
            if isinstance(step, ActNorm):
                step.bias.copy_(-x.mean(0))
                step.log_scale.copy_(-(x.std(0, unbiased=False) + 1e-6).log())
            x, _ = step(x)
    total = args.warmup + args.steps

    def lr_at(step):  # Flowlab's warmup + cosine schedule
        if step < 200:
            return 5e-3 * (step + 1) / 200
        return 5e-3 * 0.5 * (1 + math.cos(math.pi * (step - 200) / max(1, total - 200)))

    start = None
    for step in range(total):
        if step == args.warmup:
            start = time.perf_counter()
            cpu_start = time.process_time()
        i = step % batches
        x = data[i * args.batch : (i + 1) * args.batch]
        loss = -model.log_prob(x).mean()
        loss_value = loss.item()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, 10.0).item()
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step)
        optimizer.step()
        optimizer.zero_grad()
        if not math.isfinite(loss_value) or not math.isfinite(norm):
            raise RuntimeError(f"diverged at step {step}")
    rate = args.steps / (time.perf_counter() - start)
    cpu_rate = args.steps / (time.process_time() - cpu_start)
    print(f"steps/s {rate:.2f}; {cpu_rate:.2f} steps per CPU-second of the process (PyTorch {torch.__version__}, {args.optimizer} Adam, batch {args.batch}, "
          f"layout {args.layout}, {sum(p.numel() for p in params)} parameters, "
          f"{torch.get_num_threads()} thread(s), loss {loss_value:.4f})")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="load Flowlab weights and compare log p")
    c.add_argument("--checkpoint", required=True, help="a Flowlab .ckpt (or a params.npz)")
    c.add_argument("--points", required=True, help="(N, 2) float32 .npy")
    c.add_argument("--logp", help="Flowlab's log p of the points, .npy (from `flowlab score --out`)")
    c.add_argument("--tolerance", type=float, default=1e-4)
    p = sub.add_parser("points", help="write 8-Gaussians points as .npy")
    p.add_argument("--out", required=True)
    p.add_argument("-n", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    b = sub.add_parser("bench", help="train steps/s")
    b.add_argument("--batch", type=int, default=512)
    b.add_argument("--steps", type=int, default=300)
    b.add_argument("--warmup", type=int, default=100)
    b.add_argument("--optimizer", choices=["default", "fused"], default="fused")
    b.add_argument("--layout", choices=["kept", "full"], default="kept")
    b.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    return {"check": check, "points": points, "bench": bench}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
