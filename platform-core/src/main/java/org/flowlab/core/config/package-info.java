/**
 * Experiment configuration: typed records bound from YAML, command-line overrides, and located
 * error messages.
 */
package org.flowlab.core.config;
