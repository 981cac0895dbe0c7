#!/usr/bin/env python3
"""Flowlab against plain PyTorch on the quickstart model: train steps/s, interleaved, same threads.

Each round runs, one after the other and each in a fresh process with one intra-op thread
(OMP_NUM_THREADS = MKL_NUM_THREADS = 1, torch.set_num_threads(1)):
  flowlab  ./flowlab bench experiments/quickstart.yaml training.batch_size=B --repeats 1
  adam     benchmarks/quickstart_torch.py bench (PyTorch's default Adam)
  fused    benchmarks/quickstart_torch.py bench (Adam(fused=True))
for every batch size, so a machine that gets busier or quieter affects all three alike. It prints
every figure and, per batch size, Flowlab's ratio to each PyTorch variant (min and median over the
rounds of the per-round ratios).

  python3 benchmarks/compare.py --python /opt/torch271/bin/python          (or $TORCH_PYTHON)
  python3 benchmarks/compare.py --rounds 5 --batches 512,8 --steps 300 --warmup 100

Run it from the repository root (or anywhere: paths are resolved from this file). The PyTorch
replica must match Flowlab's conditioner layout (--layout kept, the default; 'full' for Flowlab
before the kept-half conditioners).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPLICA = os.path.join(ROOT, "benchmarks", "quickstart_torch.py")


def one_thread_env():
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = "1"
    env["MKL_NUM_THREADS"] = "1"
    return env


def run(cmd, pattern):
    """(steps/s of wall time, steps per CPU-second of the process)."""
    out = subprocess.run(cmd, cwd=ROOT, env=one_thread_env(), capture_output=True, text=True)
    text = out.stdout + out.stderr
    m = re.search(pattern, text)
    cpu = re.search(r"([0-9.]+) steps per CPU-second", text)
    if out.returncode != 0 or not m or not cpu:
        sys.exit(f"failed ({out.returncode}): {' '.join(cmd)}\n{text[-2000:]}")
    return float(m.group(1)), float(cpu.group(1))


def flowlab(batch, args):
    cmd = [os.path.join(ROOT, "flowlab"), "bench", args.config, f"training.batch_size={batch}",
           "training.device=cpu", "--warmup", str(args.warmup), "--steps", str(args.steps), "--repeats", "1"]
    return run(cmd, r"([0-9.]+) train steps/s")


def torch(batch, optimizer, args):
    cmd = [args.python, REPLICA, "bench", "--batch", str(batch), "--optimizer", optimizer,
           "--layout", args.layout, "--warmup", str(args.warmup), "--steps", str(args.steps), "--threads", "1"]
    return run(cmd, r"steps/s ([0-9.]+)")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--python", default=os.environ.get("TORCH_PYTHON", "python3"),
                   help="a python with torch (2.7.1 is Flowlab's libtorch); default $TORCH_PYTHON or python3")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batches", default="512,8")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--layout", choices=["kept", "full"], default="kept")
    p.add_argument("--config", default="experiments/quickstart.yaml")
    args = p.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    rates = {(b, k): [] for b in batches for k in ("flowlab", "adam", "fused")}
    for r in range(args.rounds):
        for b in batches:
            rates[(b, "flowlab")].append(flowlab(b, args))
            rates[(b, "adam")].append(torch(b, "default", args))
            rates[(b, "fused")].append(torch(b, "fused", args))
            print(f"round {r + 1} batch {b}: " + ", ".join(
                f"{k} {rates[(b, k)][-1][0]:.1f} ({rates[(b, k)][-1][1]:.1f} per CPU-s)"
                for k in ("flowlab", "adam", "fused")) + " steps/s", flush=True)
    print(f"\none intra-op thread each, {args.rounds} interleaved rounds of {args.steps} steps after "
          f"{args.warmup} warmup (load average at the end: {os.getloadavg()[0]:.1f}; above ~1.5 on 2 cores "
          f"the wall-time figures are noisy, the CPU-time ones less so)")
    for which, label in ((0, "steps/s (wall time)"), (1, "steps per CPU-second of the process")):
        print(label + ":")
        for b in batches:
            f = [x[which] for x in rates[(b, "flowlab")]]
            for k, name in (("adam", "Adam()"), ("fused", "Adam(fused=True)")):
                t = [x[which] for x in rates[(b, k)]]
                ratios = [x / y for x, y in zip(f, t)]
                print(f"  batch {b:4d}: Flowlab {min(f):.1f}-{max(f):.1f}, PyTorch {name} {min(t):.1f}-{max(t):.1f}; "
                      f"Flowlab/PyTorch min {min(ratios):.2f}x median {statistics.median(ratios):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
