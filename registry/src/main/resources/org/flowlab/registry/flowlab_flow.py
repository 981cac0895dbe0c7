"""MLflow pyfunc loader for a normalizing flow exported by flowlab (written by its exporter).

predict(x) returns log p(x) per row, float32 of shape (N,), from log_prob.onnx.
predict(anything, params={"mode": "sample", "n": 16, "temperature": 1.0, "seed": 0}) returns
n samples of shape (n, event...) from sample.onnx; the latent draws come from numpy's generator
seeded with `seed` (not the JVM's stream, so they differ from `flowlab sample --seed`).
"""

import json
import os

import numpy as np
import onnxruntime


def _load_pyfunc(path):
    return FlowlabFlow(path)


class FlowlabFlow:
    def __init__(self, path):
        if os.path.isfile(path):
            path = os.path.dirname(path)
        with open(os.path.join(path, "model-card.json"), encoding="utf-8") as f:
            self.card = json.load(f)
        available = onnxruntime.get_available_providers()
        providers = [
            p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available
        ]
        self._log_prob = onnxruntime.InferenceSession(
            os.path.join(path, "log_prob.onnx"), providers=providers
        )
        self._sample = onnxruntime.InferenceSession(
            os.path.join(path, "sample.onnx"), providers=providers
        )
        self.event_shape = tuple(int(d) for d in self.card["event_shape"])
        self.latent_shape = tuple(int(d) for d in self.card["latent_shape"])
        self.noise = self.card.get("noise", "normal")

    def predict(self, data, params=None):
        params = params or {}
        mode = params.get("mode") or "log_prob"
        if mode == "sample":
            return self.sample(
                int(params.get("n", 1)),
                float(params.get("temperature", 1.0)),
                params.get("seed"),
            )
        if mode != "log_prob":
            raise ValueError("mode must be 'log_prob' or 'sample', got %r" % (mode,))
        x = self._rows(data)
        return self._log_prob.run(["log_prob"], {"x": x})[0]

    def sample(self, n, temperature=1.0, seed=None):
        rng = np.random.default_rng(None if seed is None else int(seed))
        shape = (n,) + self.latent_shape
        if self.noise == "logistic":
            u = np.clip(rng.random(shape), 1e-7, 1 - 1e-7)
            z = np.log(u / (1 - u))
        else:
            z = rng.standard_normal(shape)
        feed = {"z": z.astype(np.float32), "temperature": np.array(temperature, dtype=np.float32)}
        return self._sample.run(["x"], feed)[0]

    def _rows(self, data):
        if isinstance(data, dict):
            data = data["x"]
        if hasattr(data, "to_numpy"):
            data = data.to_numpy()
        x = np.asarray(data, dtype=np.float32)
        return x.reshape((-1,) + self.event_shape)
