#!/usr/bin/env python3
"""Flowlab against zuko and normflows on the same toy model, data and budget.

Reads one Flowlab toy experiment (default experiments/nsf-8gaussians.yaml; `nsf` coupling or `maf`),
trains it with `./flowlab run`, then builds the same model in zuko and in normflows and trains each
with the same loop: the same training, validation and test points (drawn by Flowlab's own generator,
dumped from the JVM), batch size, steps, Adam with Flowlab's warmup + cosine schedule, global gradient
clipping, validation every `validate_every` steps and the test evaluated on the best validation
state, one intra-op thread. Prints one row per library: test NLL on the same test points, test/kl
(that NLL minus the true density's NLL on those points, from Flowlab's closed-form log p_true) and
training wall time (validation included, as in Flowlab's "trained N steps in X s").

What the libraries cannot express, and how it is handled:
  nsf, zuko      zuko.flows.NICE with MonotonicRQSTransform couplings (the same alternating masks, MLP
                 conditioner, zeroed last layer = identity start, linear tails outside [-B, B]); zuko
                 parametrises the spline differently: no min bin width/height/derivative, the logits
                 are soft-clamped by log(slope) = log(1e-3) instead, and derivatives are exp(.) of the
                 clamped value instead of softplus + 1e-3.
  nsf, normflows the same PiecewiseRationalQuadraticCoupling (nflows' code: softmax widths and heights
                 with minimum 1e-3, softplus derivatives with minimum 1e-3, linear tails) with Flowlab's
                 plain MLP conditioner instead of normflows' default ResidualNet, no unconditional
                 transform of the kept half, the last layer zeroed with the derivative bias shifted so
                 every coupling starts as the identity (as in Flowlab); widths and heights are not
                 divided by sqrt(hidden) (normflows does that only for its own ResidualNet).
  maf, zuko      zuko.flows.MAF (alternating natural/reversed orders, MADE with the same hidden sizes
                 and activation, zuko's residual MADE blocks for `residual: true` (the same block
                 count; zuko's block is linear-act-linear, Flowlab's nflows-like act-linear-act-linear), zeroed last
                 layer); zuko has no actnorm (Flowlab's configs put one
                 before each layer) and soft-clamps the log-scale by s / (1 + |s / log(1e-3)|) instead
                 of Flowlab's 3 tanh(s / 3). normflows is skipped for MAF: its MaskedAffineAutoregressive
                 (nflows') has another affine map, scale sigmoid(s + 2) + 1e-3, residual MADE by default.

  /tmp/flowcmp/bin/python benchmarks/compare-python-flows.py                    # NSF, 8 Gaussians
  /tmp/flowcmp/bin/python benchmarks/compare-python-flows.py experiments/maf-8gaussians.yaml --libs flowlab,zuko
  ... --steps 300 --libs zuko,normflows       # a quick check; --work DIR keeps the dumped points and runs

Needs torch (2.7.1 is the libtorch Flowlab runs), zuko, normflows, numpy and pyyaml, and a JDK (the data
is dumped by a few lines of Java run against Flowlab's jar).
"""
import argparse
import copy
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import yaml

ROOT = Path(__file__).resolve().parent.parent

# Draws the splits exactly as Flowlab's Datasets.load does and writes them as little-endian raw
# arrays, with the true log-density of each test point (Flowlab's test/true_nll is minus their mean).
DUMP_JAVA = r"""
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flowlab.core.data.DataSplits;
import org.flowlab.core.data.Datasets;

public class DumpToy {
  public static void main(String[] a) throws Exception {
    DataSplits s = Datasets.load(a[0], Integer.parseInt(a[1]), Integer.parseInt(a[2]),
        Integer.parseInt(a[3]), Long.parseLong(a[4]));
    Path dir = Path.of(a[5]);
    write(dir.resolve("train.f32"), s.train().floats());
    write(dir.resolve("val.f32"), s.val().floats());
    float[] test = s.test().floats();
    write(dir.resolve("test.f32"), test);
    ByteBuffer b = ByteBuffer.allocate(8 * (test.length / 2)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < test.length / 2; i++) {
      b.putDouble(s.truth().logDensity(test[2 * i], test[2 * i + 1]));
    }
    Files.write(dir.resolve("test_logp.f64"), b.array());
  }

  static void write(Path p, float[] v) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    Files.write(p, b.array());
  }
}
"""


def dump_points(cfg, work):
    """Flowlab's train/val/test points and the test points' true log p, cached in work/data-*."""
    data = cfg["data"]
    sizes = [data.get("train_size", 50000), data.get("val_size", 5000), data.get("test_size", 20000)]
    out = work / f"data-{data['name']}-{'-'.join(map(str, sizes))}-seed{cfg.get('seed', 0)}"
    if not (out / "test_logp.f64").exists():
        out.mkdir(parents=True, exist_ok=True)
        src = out / "DumpToy.java"
        src.write_text(DUMP_JAVA)
        target = ROOT / "platform-core" / "target"
        cp = f"{target / 'platform-core-0.1.0-SNAPSHOT.jar'}{os.pathsep}{target / 'lib' / '*'}"
        args = [data["name"], *map(str, sizes), str(cfg.get("seed", 0)), str(out)]
        subprocess.run(["java", "-cp", cp, str(src), *args], check=True)
    load = lambda name: torch.from_numpy(np.fromfile(out / name, dtype="<f4").reshape(-1, 2).copy())
    true_logp = np.fromfile(out / "test_logp.f64", dtype="<f8")
    return load("train.f32"), load("val.f32"), load("test.f32"), float(-true_logp.mean())


# ---- the models ------------------------------------------------------------------------------


def activation_class(name):
    return {"relu": torch.nn.ReLU, "elu": torch.nn.ELU, "tanh": torch.nn.Tanh, "silu": torch.nn.SiLU,
            "softplus": torch.nn.Softplus}[name]


def zero_last_linear(module):
    # zuko's (Masked)Linear layers are not torch.nn.Linear subclasses: take the last weighted module.
    last = [m for m in module.modules() if isinstance(getattr(m, "weight", None), torch.Tensor)][-1]
    torch.nn.init.zeros_(last.weight)
    torch.nn.init.zeros_(last.bias)
    return last


def zuko_nsf(p):
    import zuko
    from functools import partial

    bins = p.get("bins", 8)
    flow = zuko.flows.NICE(
        features=2,
        transforms=p.get("layers", 4),
        univariate=partial(zuko.transforms.MonotonicRQSTransform, bound=p.get("tail_bound", 5.0)),
        shapes=[(bins,), (bins,), (bins - 1,)],
        hidden_features=tuple(p.get("hidden", [64, 64])),
        activation=activation_class(p.get("activation", "relu")),
    )
    for t in flow.transform.transforms:
        zero_last_linear(t.hyper)
    return flow, lambda x: flow().log_prob(x)


def zuko_maf(p):
    import zuko

    flow = zuko.flows.MAF(
        features=2,
        transforms=p.get("layers", 5),
        randperm=p.get("order", "reversed") == "random",
        # zuko's residual MADE: an input layer, then one block (linear, activation, linear) per entry
        # of hidden_features; Flowlab's: an input layer, then one block per further width. Drop one
        # entry so both have the same number of blocks.
        hidden_features=tuple(p.get("hidden", [64, 64])[1:] if p.get("residual") else p.get("hidden", [64, 64])),
        activation=activation_class(p.get("activation", "relu")),
        residual=bool(p.get("residual", False)),
    )
    for t in flow.transform.transforms:
        zero_last_linear(t.hyper)
    return flow, lambda x: flow().log_prob(x)


class ContextFreeMlp(torch.nn.Sequential):
    """A plain MLP called as nflows calls its conditioners, net(x, context)."""

    def forward(self, x, context=None):
        return super().forward(x)


def normflows_coupling_class():
    import normflows as nf

    class NormflowsCoupling(nf.flows.Flow):
        """normflows' CoupledRationalQuadraticSpline around a given coupling (its own builds a ResidualNet)."""

        def __init__(self, prqct):
            super().__init__()
            self.prqct = prqct

        def forward(self, z, context=None):
            z, log_det = self.prqct.inverse(z, context)
            return z, log_det.view(-1)

        def inverse(self, z, context=None):
            z, log_det = self.prqct(z, context)
            return z, log_det.view(-1)

    return NormflowsCoupling


def normflows_nsf(p):
    import normflows as nf
    from normflows.flows.neural_spline.coupling import PiecewiseRationalQuadraticCoupling
    from normflows.utils.splines import DEFAULT_MIN_DERIVATIVE

    bins, hidden = p.get("bins", 8), list(p.get("hidden", [64, 64]))
    act = activation_class(p.get("activation", "relu"))
    shift = math.log(math.expm1(1 - p.get("min_derivative", DEFAULT_MIN_DERIVATIVE)))

    def mlp(n_in, n_out):
        layers, width = [], n_in
        for h in hidden:
            layers += [torch.nn.Linear(width, h), act()]
            width = h
        net = ContextFreeMlp(*layers, torch.nn.Linear(width, n_out))
        last = zero_last_linear(net)
        with torch.no_grad():  # params per element: K widths, K heights, K - 1 derivatives
            last.bias.view(-1, 3 * bins - 1)[:, 2 * bins :] = shift
        return net

    NormflowsCoupling = normflows_coupling_class()
    layers = []
    for k in range(p.get("layers", 4)):
        # Flowlab's layer k keeps feature k % 2 and transforms the other (mask > 0: transformed).
        mask = torch.tensor([0.0, 1.0]) if k % 2 == 0 else torch.tensor([1.0, 0.0])
        coupling = PiecewiseRationalQuadraticCoupling(
            mask=mask,
            transform_net_create_fn=mlp,
            num_bins=bins,
            tails="linear",
            tail_bound=p.get("tail_bound", 5.0),
            min_bin_width=p.get("min_bin_width", 1e-3),
            min_bin_height=p.get("min_bin_height", 1e-3),
            min_derivative=p.get("min_derivative", 1e-3),
        )
        layers.append(NormflowsCoupling(coupling))
    # normflows lists flows from the base to the data and evaluates log p through them in reverse.
    model = nf.NormalizingFlow(nf.distributions.DiagGaussian(2, trainable=False), layers[::-1])
    return model, model.log_prob


def load_flowlab_nsf(model, params, bins, min_derivative):
    """Copies a Flowlab NSF checkpoint into normflows_nsf's model: the same tensors, but for the
    derivative biases, which Flowlab shifts inside its softplus and normflows takes shifted."""
    shift = math.log(math.expm1(1 - min_derivative))
    layers = model.flows[::-1]  # back to Flowlab's order
    with torch.no_grad():
        for k, layer in enumerate(layers):
            linears = [m for m in layer.prqct.transform_net if isinstance(m, torch.nn.Linear)]
            for j, linear in enumerate(linears):
                linear.weight.copy_(params[f"layer.{k}.coupling.net.{j}.weight"])
                linear.bias.copy_(params[f"layer.{k}.coupling.net.{j}.bias"])
            linears[-1].bias.view(-1, 3 * bins - 1)[:, 2 * bins :] += shift


MODELS = {("nsf", "zuko"): zuko_nsf, ("nsf", "normflows"): normflows_nsf, ("maf", "zuko"): zuko_maf}


# ---- training --------------------------------------------------------------------------------


def lr_at(step, lr, warmup, total):
    """Flowlab's schedule: linear warmup to lr over `warmup` steps, then cosine decay to 0."""
    if step < warmup:
        return lr * (step + 1) / warmup
    return lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def mean_nll(log_prob, x, chunk=5000):
    with torch.no_grad():
        return -sum(log_prob(x[i : i + chunk]).double().sum().item() for i in range(0, len(x), chunk)) / len(x)


def train_python(lib, cfg, steps, train, val, test, true_nll):
    torch.manual_seed(cfg.get("seed", 0))
    model, log_prob = MODELS[(cfg["model"]["family"], lib)](cfg["model"].get("params", {}))
    t = cfg["training"]
    opt_cfg, sched = t.get("optimizer", {}), t.get("schedule", {})
    lr, warmup = float(opt_cfg.get("lr", 1e-3)), int(sched.get("warmup_steps", 0))
    params = [q for q in model.parameters() if q.requires_grad]
    optimizer = torch.optim.Adam(params, lr=lr, weight_decay=float(opt_cfg.get("weight_decay", 0.0)))
    batch, clip, every = int(t["batch_size"]), float(t.get("grad_clip", 0) or 0), int(t.get("validate_every", 250))
    generator = torch.Generator().manual_seed(cfg.get("seed", 0))
    per_epoch = len(train) // batch
    best, best_state, best_step, order = math.inf, None, 0, None
    start = time.perf_counter()
    for step in range(steps):
        if step % per_epoch == 0:
            order = torch.randperm(len(train), generator=generator)
        i = step % per_epoch
        x = train[order[i * batch : (i + 1) * batch]]
        loss = -log_prob(x).mean()
        optimizer.zero_grad()
        loss.backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(params, clip)
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, lr, warmup, steps)
        optimizer.step()
        if (step + 1) % every == 0 or step + 1 == steps:
            v = mean_nll(log_prob, val)
            if v < best:
                best, best_state, best_step = v, copy.deepcopy(model.state_dict()), step + 1
    wall = time.perf_counter() - start
    model.load_state_dict(best_state)
    nll = mean_nll(log_prob, test)
    n_params = sum(q.numel() for q in params)
    return nll, nll - true_nll, wall, f"{n_params} parameters, best val {best:.4f} at step {best_step}"


def train_flowlab(cfg_path, steps, work):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [str(ROOT / "flowlab"), "--runs-dir", str(work / "runs"), "run", str(cfg_path),
           "evaluation.plots=false", f"training.steps={steps}"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"flowlab run failed (exit {out.returncode}): {out.stderr.strip().splitlines()[-1:]}")
    text = out.stdout + out.stderr
    figure = lambda key: float(re.search(rf"{re.escape(key)}\s+(-?[0-9.]+)", text).group(1))
    trained = re.search(r"trained \d+ steps in ([0-9.]+) s; (best val .*)", text)
    return figure("test/nll"), figure("test/kl"), float(trained.group(1)), trained.group(2)


def check(run, cfg, test):
    """Proves normflows_nsf is Flowlab's model: Flowlab's weights give Flowlab's test NLL."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from quickstart_torch import read_checkpoint_params

    p = cfg["model"].get("params", {})
    model, log_prob = normflows_nsf(p)
    load_flowlab_nsf(model, read_checkpoint_params(run / "checkpoints" / "best.ckpt"), p.get("bins", 8),
                     p.get("min_derivative", 1e-3))
    ours = mean_nll(log_prob, test)
    theirs = float(re.search(r'"value":(-?[0-9.eE+-]+)', (run / "metrics" / "test%2Fnll.jsonl").read_text()).group(1))
    print(f"test NLL with {run.name}'s best checkpoint: normflows {ours:.6f}, Flowlab {theirs:.6f}, "
          f"difference {abs(ours - theirs):.2e}")
    return 0 if abs(ours - theirs) < 1e-4 else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", nargs="?", default=str(ROOT / "experiments" / "nsf-8gaussians.yaml"))
    parser.add_argument("--libs", default="flowlab,zuko,normflows", help="comma-separated: flowlab, zuko, normflows")
    parser.add_argument("--steps", type=int, help="override training.steps (default: the config's)")
    parser.add_argument("--check", metavar="RUN", help="a Flowlab run folder of this nsf config: load its best "
                        "checkpoint into the normflows model and compare test NLL with the run's, then exit")
    parser.add_argument("--work", help="folder for the dumped points and Flowlab's runs (default: a temporary one)")
    args = parser.parse_args()

    cfg_path = Path(args.config).resolve()
    cfg = yaml.safe_load(cfg_path.read_text())
    family = cfg["model"]["family"]
    if cfg["model"].get("params", {}).get("variant", "coupling") != "coupling" or family not in ("nsf", "maf"):
        sys.exit(f"{cfg_path.name}: only nsf (variant: coupling) and maf configs are compared")
    steps = args.steps or int(cfg["training"]["steps"])
    libs = [lib.strip() for lib in args.libs.split(",") if lib.strip()]
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="flowcmp-"))
    work.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", message="Inputs to the softmax are not scaled down")

    subprocess.run([str(ROOT / "flowlab"), "validate", str(cfg_path)], check=True, capture_output=True)  # builds
    train, val, test, true_nll = dump_points(cfg, work)
    if args.check:
        return check(Path(args.check), cfg, test)
    print(f"{cfg_path.name}: {family} on {cfg['data']['name']}, {len(train)} train / {len(val)} val / "
          f"{len(test)} test points (Flowlab's, seed {cfg.get('seed', 0)}), {steps} steps at batch "
          f"{cfg['training']['batch_size']}, true NLL of the test points {true_nll:.4f}; one thread each")
    print(f"torch {torch.__version__}; work folder {work}")
    print(f"{'library':<10} {'test NLL':>9} {'test/kl':>8} {'train s':>8}  notes")
    for lib in libs:
        if lib == "flowlab":
            nll, kl, wall, note = train_flowlab(cfg_path, steps, work)
        elif (family, lib) in MODELS:
            nll, kl, wall, note = train_python(lib, cfg, steps, train, val, test, true_nll)
            note = f"{lib} {__import__(lib).__version__}, {note}"
        else:
            print(f"{lib:<10} {'-':>9} {'-':>8} {'-':>8}  no {family} model with the same structure; skipped")
            continue
        print(f"{lib:<10} {nll:9.4f} {kl:8.4f} {wall:8.1f}  {note}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
