/**
 * NICE (Dinh, Krueger and Bengio, 2014): additive couplings with alternating partitions, a final
 * diagonal scaling layer that carries all the volume change, and a logistic or normal prior. Images
 * are flattened to vectors first, as in the paper's MNIST model.
 */
package org.flowlab.plugins.nice;
