package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;

/**
 * A forward-mode derivative: the value {@code f(x)} and the tangent {@code J·v}, both built from
 * ordinary differentiable ops so reverse mode can differentiate through them.
 */
public record Jvp(NDArray value, NDArray tangent) {}
