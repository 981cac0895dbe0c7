/**
 * The model registry: exported models stored as {@code <name>/<version>/} with their model cards.
 * ONNX export and ONNX Runtime inference are added by the export issue.
 */
package org.flowlab.registry;
