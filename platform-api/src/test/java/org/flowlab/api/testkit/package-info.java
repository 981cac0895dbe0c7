/**
 * Test support shipped in platform-api's test-jar for plugin modules, e.g. {@link
 * org.flowlab.api.testkit.PluginArchitecture}.
 */
package org.flowlab.api.testkit;
