package org.flowlab.core.config;

import java.util.List;
import org.flowlab.api.config.Require;

/** A family's params record, as a plugin would write it: defaults and range checks. */
record TestParams(List<Integer> hidden, Integer layers, String activation, Double scale) {
  TestParams {
    hidden = hidden == null ? List.of(64, 64) : List.copyOf(hidden);
    for (int h : hidden) {
      Require.atLeast("hidden", h, 1);
    }
    layers = layers == null ? 4 : Require.atLeast("layers", layers, 1);
    activation =
        activation == null
            ? "relu"
            : Require.oneOf("activation", activation, List.of("relu", "tanh"));
    scale = scale == null ? 1.0 : Require.positive("scale", scale);
  }
}
