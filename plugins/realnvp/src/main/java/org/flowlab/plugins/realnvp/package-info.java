/**
 * RealNVP (Dinh, Sohl-Dickstein and Bengio, 2017): for vectors, a stack of affine couplings with
 * alternating masks and bounded scales, optionally preceded by actnorm; for images, the multi-scale
 * model with checkerboard and channel-wise couplings, ResNet conditioners, squeeze and factor-out.
 */
package org.flowlab.plugins.realnvp;
