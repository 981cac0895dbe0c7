/**
 * RealNVP (Dinh, Sohl-Dickstein and Bengio, 2017) for vector data: a stack of affine couplings with
 * alternating masks and bounded scales, optionally preceded by actnorm.
 */
package org.flowlab.plugins.realnvp;
