/**
 * Glow (Kingma and Dhariwal, 2018): steps of actnorm, an invertible 1×1 convolution (plain or
 * LU-decomposed) and an affine coupling with a sigmoid scale; multi-scale with squeezes and a
 * learned conditional Gaussian prior at each split for images, and the same steps with dense
 * invertible linear maps and MLP couplings for vectors.
 */
package org.flowlab.plugins.glow;
