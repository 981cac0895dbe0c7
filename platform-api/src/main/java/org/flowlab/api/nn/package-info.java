/**
 * The layer toolkit: parameters and their scopes, and layers with a forward-mode JVP ({@link
 * org.flowlab.api.nn.Layer#jvp}) built from ordinary differentiable DJL ops.
 */
package org.flowlab.api.nn;
