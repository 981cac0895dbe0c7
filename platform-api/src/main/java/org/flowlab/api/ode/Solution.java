package org.flowlab.api.ode;

import ai.djl.ndarray.NDList;

/**
 * The result of a solve.
 *
 * @param state the state at the end time, in the autograd graph of every accepted step
 * @param nfe number of evaluations of the dynamics (rejected steps included)
 * @param steps accepted steps
 * @param rejected rejected steps (always 0 for fixed-step methods)
 * @param nfeBackward evaluations of the dynamics that the end state depends on: what a backward
 *     pass through the solve differentiates, one vector–Jacobian product each (dopri5: 6 per
 *     accepted step; rk4: 4 per step; rejected steps and the step-size probes are not in the graph)
 */
public record Solution(NDList state, int nfe, int steps, int rejected, int nfeBackward) {}
