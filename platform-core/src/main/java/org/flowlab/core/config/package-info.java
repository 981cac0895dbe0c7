/**
 * Experiment configuration: typed records bound from YAML, command-line overrides, and located
 * error messages.
 *
 * <p>{@link org.flowlab.core.config.ConfigLoader#load(java.nio.file.Path, java.util.List)} reads a
 * file in one pass of the streaming YAML parser, building the tree and an index of where every
 * dotted key was written; applies {@code dotted.key=value} overrides; checks every key and type
 * against the records (unknown keys get the closest valid key); then binds with Jackson, whose
 * record constructors fill defaults and check ranges. Every failure is a {@link
 * org.flowlab.core.config.ConfigException} with one line: {@code file:line:column: dotted.key:
 * problem}.
 */
package org.flowlab.core.config;
