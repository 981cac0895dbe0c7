/**
 * Datasets: seeded 2D toy densities ({@link org.flowlab.core.data.ToyDensities}) with
 * train/val/test splits ({@link org.flowlab.core.data.Datasets}) and, where known, their true
 * entropy — the floor for a model's test NLL.
 */
package org.flowlab.core.data;
