package org.flowlab.api.flow;

/**
 * The directions a flow can be evaluated in; a {@link org.flowlab.api.spi.FlowFamily} says which of
 * them it offers.
 */
public enum Direction {
  /**
   * Density of given data: data → latent with {@code log|det ∂z/∂x|} ({@link Flow#logProb}, maximum
   * likelihood).
   */
  DENSITY,
  /**
   * Sampling with log q: latent → data with {@code log|det ∂x/∂z|} ({@link Flow#sampleWithLogProb},
   * variational inference).
   */
  SAMPLING
}
