/**
 * Runs one experiment end to end: resolve the family, build data and flow, train, evaluate, and
 * track it all.
 */
package org.flowlab.core.experiment;
