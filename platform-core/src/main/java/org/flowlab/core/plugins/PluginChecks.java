package org.flowlab.core.plugins;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flowlab.api.spi.FlowFamily;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginWrapper;
import org.pf4j.VersionManager;

/**
 * What the host checks of a loaded plugin before using it: that its {@code plugin.requires} accepts
 * this host's platform-api version, and that it carries the extension index PF4J finds families by.
 */
final class PluginChecks {
  /** Written by PF4J's annotation processor for every {@code @Extension}. */
  static final String EXTENSION_INDEX = "META-INF/extensions.idx";

  static final String NO_EXTENSION_INDEX =
      "no extension index ("
          + EXTENSION_INDEX
          + "): was the annotation processor run? (pf4j on the compile classpath, no"
          + " -proc:none)";

  private static final Pattern RELEASE = Pattern.compile("^(\\d+\\.\\d+\\.\\d+)");
  private static final Pattern EXACT = Pattern.compile("^\\d+\\.\\d+\\.\\d+$");

  private PluginChecks() {}

  /**
   * platform-api's release version ({@code 0.1.0} for {@code 0.1.0-SNAPSHOT}: a snapshot counts as
   * the release it leads to), from the properties file Maven writes into platform-api.
   */
  static String apiVersion() {
    try (InputStream in =
        FlowFamily.class.getResourceAsStream("/org/flowlab/api/platform-api.properties")) {
      if (in == null) {
        throw new IllegalStateException("platform-api.properties is missing from platform-api");
      }
      Properties p = new Properties();
      p.load(in);
      Matcher m = RELEASE.matcher(p.getProperty("version", ""));
      if (!m.find()) {
        throw new IllegalStateException(
            "platform-api version unreadable: " + p.getProperty("version"));
      }
      return m.group(1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Why {@code plugin.requires} rules out platform-api {@code apiVersion}, or {@code null} when it
   * accepts it. As in PF4J: blank or {@code *} accepts any version, a bare version {@code x.y.z}
   * means {@code >=x.y.z}, anything else is a constraint such as {@code >=0.1.0 & <0.2.0}.
   */
  static String requiresMismatch(PluginWrapper plugin, VersionManager versions, String apiVersion) {
    String requires = plugin.getDescriptor().getRequires();
    requires = requires == null ? "" : requires.strip();
    if (requires.isEmpty() || requires.equals("*")) {
      return null;
    }
    String constraint = EXACT.matcher(requires).matches() ? ">=" + requires : requires;
    boolean accepted;
    try {
      accepted = versions.checkVersionConstraint(apiVersion, constraint);
    } catch (RuntimeException e) {
      return "plugin.requires '" + requires + "' is not a version constraint (e.g. >=0.1.0)";
    }
    return accepted
        ? null
        : "plugin.requires '"
            + requires
            + "' does not accept this host's platform-api "
            + apiVersion;
  }

  /** Whether the plugin's own classes (not the host's) hold {@link #EXTENSION_INDEX}. */
  static boolean hasExtensionIndex(PluginWrapper plugin) {
    ClassLoader loader = plugin.getPluginClassLoader();
    return loader instanceof PluginClassLoader own
        ? own.findResource(EXTENSION_INDEX) != null
        : loader.getResource(EXTENSION_INDEX) != null;
  }
}
