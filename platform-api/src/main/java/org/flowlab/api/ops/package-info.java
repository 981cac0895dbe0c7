/**
 * One definition per op. A layer, bijector or fixed-step solver writes its math once, as a generic
 * method over {@link org.flowlab.api.ops.TensorOps}, and each interpretation derives one use of it:
 * eager DJL arrays ({@code org.flowlab.api.nn.EagerOps}, the training path, with no cost but a
 * virtual call per op), dual numbers ({@link org.flowlab.api.ops.DualOps}, forward-mode JVPs), and
 * an ONNX recorder ({@link org.flowlab.api.ops.OnnxOps}). The interpretations compose: dual numbers
 * over the recorder record the JVP into the graph ({@link org.flowlab.api.ops.OnnxOps#tangents()}),
 * so no layer writes {@code jvp}, {@code emit} or {@code emitJvp}.
 *
 * <p>Why this design (the option a) rather than tracing NDArray code with a recording
 * NDArray (option b): the {@code NDArray} interface has hundreds of methods, most of which a
 * recorder could not honour, so a traced layer could call one and fail only at export; here the
 * compiler holds a definition to the ops every interpretation implements. Parameters are read at
 * call time through {@link org.flowlab.api.ops.TensorOps#parameter}: the eager interpretation gets
 * the live array, the recorder an initializer. Fixed-count loops (RK4 steps) are ordinary Java
 * loops around the ops and unroll in the graph; what decides by reading tensor values (adaptive
 * step control) cannot be recorded and says so.
 */
package org.flowlab.api.ops;
