package org.flowlab.api.flow;

/**
 * How a bijector computes its log-determinant. Triangular-Jacobian families (NICE, RealNVP, Glow)
 * are always {@code EXACT}; estimated families (i-ResNet, Residual Flows, FFJORD) honour the
 * request where they can and report what they used.
 */
public enum LogDetMode {
  /** The exact value (brute force where the dimension allows). */
  EXACT,
  /** An unbiased stochastic estimate, for training. */
  ESTIMATE,
  /**
   * The exact value where the family computes one, otherwise a deterministic estimate with the
   * fixed probes the family's ONNX export uses: the JVM side of an export's parity check.
   */
  EXPORTED
}
