/**
 * Training: AdamW, warmup + cosine schedule, gradient clipping, divergence detection, atomic
 * checkpoints, and the deterministic training loop that a resumed run replays bit for bit.
 */
package org.flowlab.core.train;
