"""Regenerates the TorchScript module behind training.precision (org.flowlab.core.train.TorchAutocast).

DJL 0.35.1's own cast (NDArray.toType) runs without autograd and cannot make a bfloat16 tensor at all, so the
differentiable casts come from this module, loaded once per run. Run it with a python that has torch 2.7.x:

    /path/to/venv/bin/python scripts/make-autocast-casts.py

The output is the same, byte for byte, on every run (TorchScript zips carry no timestamps).
"""

import pathlib

import torch


class Casts(torch.nn.Module):
    """Differentiable dtype casts: forward to float32, to_bfloat16, to_float16."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.float32)

    @torch.jit.export
    def to_bfloat16(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.bfloat16)

    @torch.jit.export
    def to_float16(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.float16)


if __name__ == "__main__":
    root = pathlib.Path(__file__).resolve().parent.parent
    out = root / "platform-core/src/main/resources/org/flowlab/core/train/autocast-casts.pt"
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.jit.save(torch.jit.script(Casts()), str(out))
    print("wrote", out)
