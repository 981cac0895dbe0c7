"""Second, independent ONNX Runtime for the conformance export check (Python onnx + onnxruntime).

Usage: onnx_check.py DIR. DIR/manifest.txt has one line per case:
    case n_x x_dims... | n_z z_dims... | temperature
For each case it runs onnx.checker on case_log_prob.onnx and case_sample.onnx, evaluates them on
case_x.f32 / case_z.f32 (raw little-endian float32) and writes case_log_prob.py.f32 and
case_sample.py.f32. A sampling-only flow's case reads
    case - | n_z z_dims... | sampler
and has case_sampler.onnx (z -> x, log_q) instead, evaluated on case_z.f32 into
case_sampler_x.py.f32 and case_sampler_log_q.py.f32. Exit code 3 when onnx or onnxruntime cannot
be imported.
"""
import sys
from pathlib import Path

try:
    import numpy as np
    import onnx
    import onnxruntime as ort
except ImportError as e:  # the Java side fails under CI=true, else skips, with this message
    print(f"python onnx/onnxruntime not available: {e}")
    sys.exit(3)

root = Path(sys.argv[1])
for line in (root / "manifest.txt").read_text().splitlines():
    head, z_part, temperature = line.split("|")
    case, *x_dims = head.split()
    z_dims = z_part.split()
    z = np.fromfile(root / f"{case}_z.f32", dtype="<f4").reshape([int(d) for d in z_dims])
    if temperature.strip() == "sampler":
        path = str(root / f"{case}_sampler.onnx")
        onnx.checker.check_model(onnx.load(path), full_check=True)
        sampler = ort.InferenceSession(path, ort.SessionOptions(), providers=["CPUExecutionProvider"])
        x, log_q = sampler.run(["x", "log_q"], {"z": z})
        x.astype("<f4").tofile(root / f"{case}_sampler_x.py.f32")
        log_q.astype("<f4").tofile(root / f"{case}_sampler_log_q.py.f32")
        continue
    for model in ("log_prob", "sample"):
        onnx.checker.check_model(onnx.load(str(root / f"{case}_{model}.onnx")), full_check=True)
    x = np.fromfile(root / f"{case}_x.f32", dtype="<f4").reshape([int(d) for d in x_dims])
    options = ort.SessionOptions()
    lp = ort.InferenceSession(str(root / f"{case}_log_prob.onnx"), options, providers=["CPUExecutionProvider"])
    sm = ort.InferenceSession(str(root / f"{case}_sample.onnx"), options, providers=["CPUExecutionProvider"])
    lp.run(["log_prob"], {"x": x})[0].astype("<f4").tofile(root / f"{case}_log_prob.py.f32")
    t = np.array(float(temperature), dtype=np.float32)
    sm.run(["x"], {"z": z, "temperature": t})[0].astype("<f4").tofile(root / f"{case}_sample.py.f32")
print("ok", onnx.__version__, ort.__version__)
