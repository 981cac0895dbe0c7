package org.flowlab.core.plugins;

import com.google.inject.AbstractModule;
import com.google.inject.Injector;
import com.google.inject.Module;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.pf4j.Plugin;
import org.pf4j.PluginManager;
import org.pf4j.PluginWrapper;

/**
 * One host injector, one child injector per plugin (created on first use, then cached). Extensions
 * are created by the injector of the plugin that owns their class, so they may {@code @Inject}
 * anything bound in the host injector. A plugin whose {@link Plugin} class also implements {@link
 * Module} has that module installed in its child injector.
 */
final class PluginInjectors {
  private final PluginManager manager;
  private final Injector host;
  private final Map<String, Injector> children = new ConcurrentHashMap<>();

  PluginInjectors(PluginManager manager, Injector host) {
    this.manager = manager;
    this.host = host;
  }

  /** Creates an extension with its plugin's child injector (the host injector for host classes). */
  <T> T create(Class<T> extensionClass) {
    PluginWrapper owner = manager.whichPlugin(extensionClass);
    Injector injector = owner == null ? host : forPlugin(owner);
    return injector.getInstance(extensionClass);
  }

  /** The plugin's child injector. */
  Injector forPlugin(PluginWrapper plugin) {
    return children.computeIfAbsent(
        plugin.getPluginId(), id -> host.createChildInjector(modules(plugin)));
  }

  private List<Module> modules(PluginWrapper plugin) {
    List<Module> modules = new ArrayList<>();
    if (plugin.getPlugin() instanceof Module own) {
      modules.add(own);
    }
    // Bind the plugin's extension classes here, so Guice builds them in this child injector rather
    // than as just-in-time bindings in the host injector.
    List<Class<?>> extensionClasses = new ArrayList<>();
    ClassLoader loader = plugin.getPluginClassLoader();
    for (String name : manager.getExtensionClassNames(plugin.getPluginId())) {
      try {
        extensionClasses.add(Class.forName(name, false, loader));
      } catch (ClassNotFoundException | LinkageError e) {
        // Reported by PluginHost when it instantiates the plugin's extensions.
      }
    }
    modules.add(
        new AbstractModule() {
          @Override
          protected void configure() {
            for (Class<?> type : extensionClasses) {
              bind(type);
            }
          }
        });
    return modules;
  }
}
