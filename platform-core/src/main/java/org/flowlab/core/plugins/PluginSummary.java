package org.flowlab.core.plugins;

import java.util.List;

/**
 * What {@code flowlab plugins} shows for one plugin.
 *
 * @param id the plugin id, or the file name when the descriptor could not be read
 * @param version the plugin version, or {@code "?"} when unknown
 * @param state the PF4J state ({@code STARTED}, {@code DISABLED}, ...) or {@code FAILED}
 * @param families the flow-family names this plugin contributes (empty when it failed)
 * @param error a one-line reason when the plugin failed, {@code null} when it is fine
 */
public record PluginSummary(
    String id, String version, String state, List<String> families, String error) {

  /** Copies {@code families} so the summary stays immutable. */
  public PluginSummary {
    families = List.copyOf(families);
  }

  /** Whether this plugin failed to load, start or contribute its families. */
  public boolean failed() {
    return error != null;
  }
}
