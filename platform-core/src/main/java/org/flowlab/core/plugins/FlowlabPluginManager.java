package org.flowlab.core.plugins;

import com.google.inject.Injector;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.pf4j.DefaultPluginLoader;
import org.pf4j.DefaultPluginManager;
import org.pf4j.DevelopmentPluginLoader;
import org.pf4j.ExtensionFactory;
import org.pf4j.JarPluginLoader;
import org.pf4j.Plugin;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginFactory;
import org.pf4j.PluginLoader;
import org.pf4j.PluginRepository;
import org.pf4j.PluginRuntimeException;
import org.pf4j.PluginWrapper;
import org.pf4j.RuntimeMode;

/**
 * PF4J's default manager with Flowlab's rules: deployment mode loads only {@code *.jar} and {@code
 * *.zip} files (the plugins folder also holds the plugin source modules); development mode loads
 * the source modules {@code <dir>/<name>/} (with a {@code plugin.properties}) from {@code
 * target/classes}; every plugin class loader is {@link SharedFirstClassLoader}; extensions are
 * created by {@link PluginInjectors}.
 *
 * <p>PF4J calls the {@code create*} factory methods from its constructor, before this class's
 * fields are set, so everything that depends on {@link #development} decides at call time.
 */
final class FlowlabPluginManager extends DefaultPluginManager {
  private final boolean development;
  private final PluginInjectors injectors;
  private final List<PluginLoader> deploymentLoaders;
  private final List<PluginLoader> developmentLoaders;
  private final List<String> skipped = new ArrayList<>();

  FlowlabPluginManager(Path pluginsDir, boolean development, Injector hostInjector) {
    super(pluginsDir);
    this.development = development;
    this.injectors = new PluginInjectors(this, hostInjector);
    this.deploymentLoaders =
        List.of(
            new JarPluginLoader(this) {
              @Override
              protected PluginClassLoader createPluginClassLoader(Path path, PluginDescriptor d) {
                return newClassLoader(d);
              }
            },
            new DefaultPluginLoader(this) {
              @Override
              protected PluginClassLoader createPluginClassLoader(Path path, PluginDescriptor d) {
                return newClassLoader(d);
              }
            });
    this.developmentLoaders =
        List.of(
            new DevelopmentPluginLoader(this) {
              @Override
              protected PluginClassLoader createPluginClassLoader(Path path, PluginDescriptor d) {
                return newClassLoader(d);
              }
            });
    // One plugin with a missing dependency must not stop the others from resolving.
    setResolveRecoveryStrategy(ResolveRecoveryStrategy.IGNORE_PLUGIN_AND_CONTINUE);
  }

  private PluginClassLoader newClassLoader(PluginDescriptor descriptor) {
    return new SharedFirstClassLoader(
        this, descriptor, FlowlabPluginManager.class.getClassLoader());
  }

  PluginInjectors injectors() {
    return injectors;
  }

  /** The candidate plugin paths, in a stable (name) order. */
  List<Path> candidatePaths() {
    return pluginRepository.getPluginPaths();
  }

  /** Loads one candidate; throws with PF4J's reason when it cannot. */
  PluginWrapper load(Path candidate) {
    return loadPluginFromPath(candidate);
  }

  /** Resolves loaded plugins (dependency order); unresolvable ones stay unresolved. */
  void resolve() {
    resolvePlugins();
  }

  @Override
  public RuntimeMode getRuntimeMode() {
    return development ? RuntimeMode.DEVELOPMENT : RuntimeMode.DEPLOYMENT;
  }

  @Override
  protected PluginRepository createPluginRepository() {
    return new PluginRepository() {
      @Override
      public List<Path> getPluginPaths() {
        return development ? sourceModules() : archives();
      }

      @Override
      public boolean deletePluginPath(Path pluginPath) {
        return false;
      }
    };
  }

  @Override
  protected PluginLoader createPluginLoader() {
    return new PluginLoader() {
      @Override
      public boolean isApplicable(Path pluginPath) {
        return loaderFor(pluginPath) != null;
      }

      @Override
      public ClassLoader loadPlugin(Path pluginPath, PluginDescriptor descriptor) {
        PluginLoader loader = loaderFor(pluginPath);
        if (loader == null) {
          throw new PluginRuntimeException("no loader for " + pluginPath.getFileName());
        }
        return loader.loadPlugin(pluginPath, descriptor);
      }
    };
  }

  private PluginLoader loaderFor(Path pluginPath) {
    for (PluginLoader loader : development ? developmentLoaders : deploymentLoaders) {
      if (loader.isApplicable(pluginPath)) {
        return loader;
      }
    }
    return null;
  }

  @Override
  protected ExtensionFactory createExtensionFactory() {
    return new ExtensionFactory() {
      @Override
      public <T> T create(Class<T> extensionClass) {
        return injectors.create(extensionClass);
      }
    };
  }

  @Override
  protected PluginFactory createPluginFactory() {
    return FlowlabPluginManager::createPlugin;
  }

  /**
   * Like PF4J's default factory, but a missing or broken plugin class is an exception with the
   * reason (PF4J's default logs it and returns null), and no {@code plugin.class} means a plain
   * {@link Plugin}: a family plugin needs nothing but its extensions.
   */
  private static Plugin createPlugin(PluginWrapper wrapper) {
    String className = wrapper.getDescriptor().getPluginClass();
    if (className == null || className.isBlank() || className.equals(Plugin.class.getName())) {
      return new Plugin() {};
    }
    Class<?> type;
    try {
      type = wrapper.getPluginClassLoader().loadClass(className);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new PluginRuntimeException("plugin class " + className + " not found");
    }
    if (!Plugin.class.isAssignableFrom(type)) {
      throw new PluginRuntimeException(
          "plugin class " + className + " does not extend " + Plugin.class.getName());
    }
    try {
      try {
        return (Plugin) type.getConstructor().newInstance();
      } catch (NoSuchMethodException e) {
        return (Plugin) type.getConstructor(PluginWrapper.class).newInstance(wrapper);
      }
    } catch (InvocationTargetException e) {
      throw new PluginRuntimeException(e.getCause(), "plugin class {} failed", className);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      throw new PluginRuntimeException(e, "plugin class {} cannot be created", className);
    }
  }

  private List<Path> archives() {
    skipped.clear();
    return list(
        p -> {
          String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
          if (!Files.isRegularFile(p) || !(name.endsWith(".jar") || name.endsWith(".zip"))) {
            return false;
          }
          String notAPlugin = notAPlugin(p);
          if (notAPlugin != null) {
            skipped.add(p + ": " + notAPlugin);
          }
          return notAPlugin == null;
        });
  }

  /**
   * Why an archive is not a plugin (not a readable zip; no {@code plugin.properties} and no {@code
   * Plugin-Id} in its manifest), or null when it looks like one. Checked before PF4J sees it, as
   * PF4J logs a stack trace for each such file.
   */
  private static String notAPlugin(Path archive) {
    try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(archive.toFile())) {
      if (zip.getEntry("plugin.properties") != null) {
        return null;
      }
      java.util.zip.ZipEntry manifest = zip.getEntry("META-INF/MANIFEST.MF");
      if (manifest != null) {
        try (java.io.InputStream in = zip.getInputStream(manifest)) {
          if (new java.util.jar.Manifest(in).getMainAttributes().getValue("Plugin-Id") != null) {
            return null;
          }
        }
      }
      return "not a plugin (no plugin.properties, no Plugin-Id in its manifest)";
    } catch (IOException e) {
      return "not a plugin (not a readable jar or zip: " + e.getMessage() + ")";
    }
  }

  /** The archives the last scan skipped, each as {@code <file>: <why>}. */
  List<String> skipped() {
    return List.copyOf(skipped);
  }

  private List<Path> sourceModules() {
    // A folder PF4J expanded from <name>.zip is a deployed plugin, not a source module.
    return list(
        p ->
            Files.isDirectory(p)
                && Files.isRegularFile(p.resolve("plugin.properties"))
                && !Files.exists(p.resolveSibling(p.getFileName() + ".zip")));
  }

  private List<Path> list(java.util.function.Predicate<Path> accept) {
    List<Path> found = new ArrayList<>();
    for (Path root : getPluginsRoots()) {
      if (!Files.isDirectory(root)) {
        continue;
      }
      try (Stream<Path> children = Files.list(root)) {
        children
            .filter(p -> !p.getFileName().toString().startsWith("."))
            .filter(accept)
            .sorted(Comparator.comparing(p -> p.getFileName().toString()))
            .forEach(found::add);
      } catch (IOException e) {
        throw new PluginRuntimeException(e, "cannot list plugins in {}", root);
      }
    }
    return found;
  }
}
