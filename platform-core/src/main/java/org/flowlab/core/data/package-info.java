/**
 * Datasets: seeded 2D toy densities with train/val/test splits and, where known, their true
 * entropy.
 */
package org.flowlab.core.data;
