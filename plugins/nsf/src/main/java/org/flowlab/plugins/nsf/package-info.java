/**
 * Neural spline flows (Durkan, Bekasov, Murray and Papamakarios, 2019): monotonic
 * rational-quadratic spline transforms ({@link org.flowlab.api.bijector.RationalQuadraticSpline})
 * whose bin widths, heights and knot derivatives come from a conditioner: couplings with an MLP on
 * vectors, and on images the multi-scale model (squeeze, channel couplings with a small conv
 * network, factor-out).
 */
package org.flowlab.plugins.nsf;
