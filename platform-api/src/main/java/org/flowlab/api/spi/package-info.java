/** The service-provider interface: the {@link org.flowlab.api.spi.FlowFamily} extension point. */
package org.flowlab.api.spi;
