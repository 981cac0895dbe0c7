/**
 * Helpers for typed config records bound from YAML: range checks that report the offending key so
 * the host can point at its file, line and column.
 */
package org.flowlab.api.config;
