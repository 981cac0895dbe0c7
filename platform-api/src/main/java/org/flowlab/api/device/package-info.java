/**
 * Device placement: the runtime check ({@code -Dflowlab.device.check=true}) that every parameter,
 * batch and estimator probe is on the run's device and under the run's manager. Its static
 * counterpart is the ArchUnit rule {@code PluginArchitecture.ARRAYS_ON_THE_RUNS_DEVICE}.
 */
package org.flowlab.api.device;
