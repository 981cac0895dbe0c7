/**
 * The plugin conformance kit, shipped in platform-api's test-jar: extend {@link
 * org.flowlab.api.testkit.FlowConformanceTest} with a family, a few small configs and event shapes,
 * and every combination is checked for invertibility, exact log-determinants, normalised 2D
 * densities and seed determinism. {@link org.flowlab.api.testkit.FlowChecks} holds the reusable
 * pieces (perturbation, brute-force Jacobians, log-determinants in double precision); {@link
 * org.flowlab.api.testkit.PluginArchitecture} keeps a plugin's classes on the API.
 */
package org.flowlab.api.testkit;
