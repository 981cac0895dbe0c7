package org.flowlab.api.spi;

import ai.djl.ndarray.types.Shape;
import org.flowlab.api.nn.ParameterScope;

/**
 * What the host hands a family when it builds a flow.
 *
 * @param eventShape the shape of one data point, without the batch axis: (d) for vectors, (c, h, w)
 *     for images
 * @param parameters the root scope the flow registers its parameters in (device and seed come with
 *     it)
 */
public record BuildContext(Shape eventShape, ParameterScope parameters) {}
