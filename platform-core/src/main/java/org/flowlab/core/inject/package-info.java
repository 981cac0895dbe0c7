/**
 * Guice modules for the host object graph. {@link org.flowlab.core.inject.PluginModule} provides
 * the {@link org.flowlab.core.plugins.PluginHost}.
 */
package org.flowlab.core.inject;
