/**
 * Evaluation: test NLL against the true entropy, samples, and plots ({@link
 * org.flowlab.core.eval.Plots}) of 2D densities and training curves.
 */
package org.flowlab.core.eval;
