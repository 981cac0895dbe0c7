/** Reproducible randomness: counter-based streams derived from a run's seed. */
package org.flowlab.api.random;
