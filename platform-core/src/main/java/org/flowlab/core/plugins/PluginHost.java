package org.flowlab.core.plugins;

import ai.djl.engine.Engine;
import com.google.inject.Injector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.flowlab.api.spi.FlowFamily;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;

/**
 * Loads and starts every plugin in a folder and indexes their {@link FlowFamily} extensions by
 * name. A plugin that fails — unreadable descriptor, missing class, an extension whose constructor
 * throws, a family name another plugin already took — is reported by {@link #failures()} with its
 * id (or file name) and a one-line reason; it contributes no families, and the other plugins work.
 *
 * <p>A plugin whose {@code plugin.requires} rules out this host's platform-api version, or whose
 * jar has no extension index, fails with a reason that says so ({@link PluginChecks}).
 *
 * <p>Plugins are processed in plugin-id order, so when two plugins declare the same family name the
 * one with the later id is the one reported.
 *
 * <p>Deployment mode loads only {@code *.jar} and {@code *.zip} files from the folder; development
 * mode loads the source modules {@code <folder>/<name>/} that have a {@code plugin.properties},
 * with classes from {@code target/classes} and jars from {@code target/lib}.
 */
public final class PluginHost implements AutoCloseable {
  private static final String FAILED = "FAILED";

  private final FlowlabPluginManager manager;
  private final SortedMap<String, FlowFamily<?>> families;
  private final List<PluginSummary> plugins;

  private PluginHost(
      FlowlabPluginManager manager,
      SortedMap<String, FlowFamily<?>> families,
      List<PluginSummary> plugins) {
    this.manager = manager;
    this.families = Collections.unmodifiableSortedMap(families);
    this.plugins = List.copyOf(plugins);
  }

  /**
   * Initialises the DJL engine, then loads and starts the plugins in {@code pluginsDir}.
   *
   * @param pluginsDir the folder to scan
   * @param development load source modules instead of jars (see the class comment)
   * @param hostInjector the injector whose bindings extensions may {@code @Inject}; each plugin
   *     gets a child of it
   * @throws IllegalArgumentException when {@code pluginsDir} is not a directory
   */
  public static PluginHost start(Path pluginsDir, boolean development, Injector hostInjector) {
    Objects.requireNonNull(hostInjector, "hostInjector");
    if (!Files.isDirectory(pluginsDir)) {
      throw new IllegalArgumentException("plugins directory not found: " + pluginsDir);
    }
    // DJL finds its engine through the thread's context class loader: initialise it here, on the
    // host's thread and class loader, before any plugin code runs.
    Engine.getInstance();

    FlowlabPluginManager manager = new FlowlabPluginManager(pluginsDir, development, hostInjector);
    List<PluginSummary> summaries = new ArrayList<>();
    List<PluginWrapper> loaded = new ArrayList<>();
    for (Path candidate : manager.candidatePaths()) {
      try {
        PluginWrapper plugin = manager.load(candidate);
        if (plugin == null) { // PF4J could not expand a zip
          summaries.add(failure(candidate.getFileName().toString(), "?", "cannot load: bad zip"));
        } else {
          loaded.add(plugin);
        }
      } catch (RuntimeException | LinkageError e) {
        summaries.add(
            failure(candidate.getFileName().toString(), "?", Reasons.of("cannot load", e)));
      }
    }
    manager.resolve();

    SortedMap<String, FlowFamily<?>> families = new TreeMap<>();
    Map<String, String> familyOwners = new LinkedHashMap<>();
    loaded.sort(Comparator.comparing(PluginWrapper::getPluginId));
    for (PluginWrapper plugin : loaded) {
      summaries.add(startOne(manager, plugin, families, familyOwners));
    }
    summaries.sort(Comparator.comparing(PluginSummary::id));
    return new PluginHost(manager, families, summaries);
  }

  private static PluginSummary startOne(
      FlowlabPluginManager manager,
      PluginWrapper plugin,
      SortedMap<String, FlowFamily<?>> families,
      Map<String, String> familyOwners) {
    String id = plugin.getPluginId();
    String version = plugin.getDescriptor().getVersion();
    if (plugin.getPluginState() == PluginState.DISABLED) {
      return new PluginSummary(id, version, PluginState.DISABLED.toString(), List.of(), null);
    }
    // PF4J drops a plugin whose dependencies it cannot resolve (and keeps going with the others).
    if (manager.getPlugin(id) != plugin || !manager.getResolvedPlugins().contains(plugin)) {
      String reason =
          "unresolved dependencies: "
              + plugin.getDescriptor().getDependencies().stream()
                  .map(d -> d.getPluginId() + "@" + d.getPluginVersionSupport())
                  .toList();
      return failure(id, version, reason);
    }
    String mismatch =
        PluginChecks.requiresMismatch(
            plugin, manager.getVersionManager(), PluginChecks.apiVersion());
    if (mismatch != null) {
      return fail(plugin, null, mismatch);
    }
    try {
      plugin.getPlugin(); // creates the Plugin instance: a broken plugin class fails here
      manager.startPlugin(id);
    } catch (RuntimeException | LinkageError e) {
      return fail(plugin, e, Reasons.of(null, e));
    }
    if (plugin.getPluginState() != PluginState.STARTED) {
      // PF4J catches exceptions from Plugin.start() and marks the plugin FAILED.
      Throwable cause = plugin.getFailedException();
      String reason =
          cause == null
              ? "did not start (" + plugin.getPluginState() + ")"
              : Reasons.of(null, cause);
      return fail(plugin, cause, "start failed: " + reason);
    }

    if (!PluginChecks.hasExtensionIndex(plugin)) {
      return fail(plugin, null, PluginChecks.NO_EXTENSION_INDEX);
    }

    Map<String, FlowFamily<?>> own = new LinkedHashMap<>();
    for (String className : manager.getExtensionClassNames(id)) {
      Class<?> type;
      try {
        type = Class.forName(className, false, plugin.getPluginClassLoader());
      } catch (ClassNotFoundException e) {
        return fail(plugin, e, "extension class " + className + " not found");
      } catch (LinkageError e) {
        return fail(plugin, e, Reasons.of("extension class " + className + " cannot be loaded", e));
      }
      if (!FlowFamily.class.isAssignableFrom(type)) {
        continue; // an extension of some other extension point
      }
      FlowFamily<?> family;
      String name;
      try {
        family = (FlowFamily<?>) manager.getExtensionFactory().create(type);
        name = family.name();
      } catch (RuntimeException | LinkageError e) {
        return fail(plugin, e, Reasons.of("extension " + className, e));
      }
      if (name == null || name.isBlank()) {
        return fail(plugin, null, "extension " + className + " has a blank family name");
      }
      String owner = own.containsKey(name) ? id : familyOwners.get(name);
      if (owner != null) {
        return fail(
            plugin,
            null,
            "duplicate family name '" + name + "' (already provided by plugin " + owner + ")");
      }
      own.put(name, family);
    }
    own.forEach(
        (name, family) -> {
          families.put(name, family);
          familyOwners.put(name, id);
        });
    return new PluginSummary(
        id, version, plugin.getPluginState().toString(), new ArrayList<>(own.keySet()), null);
  }

  /** Marks a started plugin failed, stops it, and returns its summary. */
  private static PluginSummary fail(PluginWrapper plugin, Throwable cause, String reason) {
    if (plugin.getPluginState() == PluginState.STARTED) {
      try {
        plugin.getPluginManager().stopPlugin(plugin.getPluginId());
      } catch (RuntimeException | LinkageError ignored) {
        // Already failing; the reason below is the one that matters.
      }
    }
    plugin.setPluginState(PluginState.FAILED);
    plugin.setFailedException(cause);
    return failure(plugin.getPluginId(), plugin.getDescriptor().getVersion(), reason);
  }

  private static PluginSummary failure(String id, String version, String reason) {
    return new PluginSummary(id, version == null ? "?" : version, FAILED, List.of(), reason);
  }

  /** The family registered under {@code name} ({@code model.family} in YAML). */
  public Optional<FlowFamily<?>> family(String name) {
    return Optional.ofNullable(families.get(name));
  }

  /** Every family, by name. */
  public SortedMap<String, FlowFamily<?>> families() {
    return families;
  }

  /** Every plugin found (working or not), by id. */
  public List<PluginSummary> plugins() {
    return plugins;
  }

  /** The plugins that failed, by id, each with its reason. */
  public List<PluginSummary> failures() {
    return plugins.stream().filter(PluginSummary::failed).toList();
  }

  /** The version of the plugin that provides {@code family}, e.g. for run tags. */
  public Optional<String> versionOf(String family) {
    FlowFamily<?> f = families.get(family);
    if (f == null) {
      return Optional.empty();
    }
    PluginWrapper owner = manager.whichPlugin(f.getClass());
    return Optional.ofNullable(owner).map(p -> p.getDescriptor().getVersion());
  }

  /** Stops and unloads every plugin. */
  @Override
  public void close() {
    // Unload one by one (PF4J's stopPlugins() trips over its own list in 3.15): stops each plugin,
    // then closes its class loader.
    List<PluginWrapper> loaded = new ArrayList<>(manager.getPlugins());
    Collections.reverse(loaded);
    for (PluginWrapper plugin : loaded) {
      try {
        manager.unloadPlugin(plugin.getPluginId());
      } catch (RuntimeException | LinkageError ignored) {
        // Keep closing the others.
      }
    }
  }
}
