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
import org.flowlab.api.target.TargetDensity;
import org.flowlab.core.vi.BuiltInTargets;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;

/**
 * Loads and starts every plugin in a folder and indexes their {@link FlowFamily} extensions by
 * name. A plugin that fails — unreadable descriptor, missing class, an extension whose constructor
 * throws — is reported by {@link #failures()} with its id (or file name) and a one-line reason; it
 * contributes no families, and the other plugins work.
 *
 * <p>A family name that two plugins declare belongs to neither: {@link #conflicts()} names both
 * plugins and their files, both plugins keep their other families, and neither is marked failed, so
 * a jar dropped in beside a real plugin can never take its family over silently.
 *
 * <p>A plugin whose {@code plugin.requires} rules out this host's platform-api version, or whose
 * jar has no extension index, fails with a reason that says so ({@link PluginChecks}).
 *
 * <p>Deployment mode loads only {@code *.jar} and {@code *.zip} files from the folder; development
 * mode loads the source modules {@code <folder>/<name>/} that have a {@code plugin.properties},
 * with classes from {@code target/classes} and jars from {@code target/lib}.
 */
public final class PluginHost implements AutoCloseable {
  private static final String FAILED = "FAILED";

  private final FlowlabPluginManager manager;
  private final SortedMap<String, FlowFamily<?>> families;
  private final SortedMap<String, TargetDensity<?>> targets;
  private final List<PluginSummary> plugins;
  private final SortedMap<String, List<String>> conflicts;
  private final List<String> skipped;

  private PluginHost(
      FlowlabPluginManager manager,
      SortedMap<String, FlowFamily<?>> families,
      SortedMap<String, TargetDensity<?>> targets,
      List<PluginSummary> plugins,
      SortedMap<String, List<String>> conflicts) {
    this.manager = manager;
    this.skipped = manager.skipped();
    this.families = Collections.unmodifiableSortedMap(families);
    this.targets = Collections.unmodifiableSortedMap(targets);
    this.plugins = List.copyOf(plugins);
    this.conflicts = Collections.unmodifiableSortedMap(conflicts);
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
    SortedMap<String, TargetDensity<?>> targets = new TreeMap<>();
    for (TargetDensity<?> builtIn : BuiltInTargets.all()) {
      targets.put(builtIn.name(), builtIn);
    }
    Map<String, List<PluginWrapper>> claims = new LinkedHashMap<>();
    loaded.sort(Comparator.comparing(PluginWrapper::getPluginId));
    for (PluginWrapper plugin : loaded) {
      Map<String, FlowFamily<?>> own = new LinkedHashMap<>();
      summaries.add(startOne(manager, plugin, own, targets));
      own.forEach(
          (name, family) -> {
            families.put(name, family);
            claims.computeIfAbsent(name, k -> new ArrayList<>()).add(plugin);
          });
    }
    SortedMap<String, List<String>> conflicts = new TreeMap<>();
    claims.forEach(
        (name, owners) -> {
          if (owners.size() > 1) {
            families.remove(name);
            conflicts.put(name, owners.stream().map(PluginHost::describe).toList());
          }
        });
    summaries.sort(Comparator.comparing(PluginSummary::id));
    return new PluginHost(manager, families, targets, summaries, conflicts);
  }

  /** {@code plugin <id> (<file>)}. */
  private static String describe(PluginWrapper plugin) {
    Path path = plugin.getPluginPath();
    return "plugin " + plugin.getPluginId() + (path == null ? "" : " (" + path.getFileName() + ")");
  }

  /**
   * Starts one plugin, puts its families into {@code own} and its target densities into {@code
   * targets} (a name already there fails the plugin); returns its summary.
   */
  private static PluginSummary startOne(
      FlowlabPluginManager manager,
      PluginWrapper plugin,
      Map<String, FlowFamily<?>> own,
      Map<String, TargetDensity<?>> targets) {
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

    for (String className : manager.getExtensionClassNames(id)) {
      Class<?> type;
      try {
        type = Class.forName(className, false, plugin.getPluginClassLoader());
      } catch (ClassNotFoundException e) {
        return fail(plugin, e, "extension class " + className + " not found");
      } catch (LinkageError e) {
        return fail(plugin, e, Reasons.of("extension class " + className + " cannot be loaded", e));
      }
      if (TargetDensity.class.isAssignableFrom(type)) {
        String problem = addTarget(manager, type, targets);
        if (problem != null) {
          own.clear();
          return fail(plugin, null, problem);
        }
        continue;
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
      if (own.containsKey(name)) {
        own.clear();
        return fail(plugin, null, "declares family '" + name + "' twice");
      }
      own.put(name, family);
    }
    return new PluginSummary(
        id, version, plugin.getPluginState().toString(), new ArrayList<>(own.keySet()), null);
  }

  /** Creates a target density extension and registers it; returns why it cannot be, or null. */
  private static String addTarget(
      FlowlabPluginManager manager, Class<?> type, Map<String, TargetDensity<?>> targets) {
    TargetDensity<?> target;
    try {
      target = (TargetDensity<?>) manager.getExtensionFactory().create(type);
    } catch (RuntimeException | LinkageError e) {
      return Reasons.of("extension " + type.getName(), e);
    }
    String name = target.name();
    if (name == null || name.isBlank()) {
      return "extension " + type.getName() + " has a blank target name";
    }
    if (targets.containsKey(name)) {
      return "declares target '" + name + "', which is already registered";
    }
    targets.put(name, target);
    return null;
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

  /**
   * The family registered under {@code name} ({@code model.family} in YAML); empty when no plugin
   * or more than one declares it (see {@link #conflicts()}).
   */
  public Optional<FlowFamily<?>> family(String name) {
    return Optional.ofNullable(families.get(name));
  }

  /**
   * Files in the plugins folder that are not plugins (a jar without a plugin descriptor, a file
   * that is not a zip), each as {@code <file>: <why>}; they are left alone.
   */
  public List<String> skipped() {
    return skipped;
  }

  /**
   * Family names declared by more than one plugin, each with the plugins that declare it ({@code
   * plugin <id> (<file>)}); such a family is not available until one of them is removed.
   */
  public SortedMap<String, List<String>> conflicts() {
    return conflicts;
  }

  /** Every target density, the host's and the plugins', by name ({@code target.name}). */
  public SortedMap<String, TargetDensity<?>> targets() {
    return targets;
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
