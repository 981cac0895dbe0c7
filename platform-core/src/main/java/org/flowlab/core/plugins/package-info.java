/**
 * The plugin host: PF4J loads one plugin per flow family, a parent-first class loader keeps shared
 * libraries (DJL, Guice, platform-api) single-copy, and a Guice-backed extension factory creates
 * each {@link org.flowlab.api.spi.FlowFamily} with its plugin's child injector. Start with {@link
 * org.flowlab.core.plugins.PluginHost}.
 */
package org.flowlab.core.plugins;
