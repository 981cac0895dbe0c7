package org.flowlab.api.ode;

import ai.djl.ndarray.NDList;

/**
 * The result of a solve.
 *
 * @param state the state at the end time, in the autograd graph of every accepted step
 * @param nfe number of evaluations of the dynamics (rejected steps included)
 * @param steps accepted steps
 * @param rejected rejected steps (always 0 for fixed-step methods)
 */
public record Solution(NDList state, int nfe, int steps, int rejected) {}
