package org.flowlab.core.plugins;

import java.io.IOException;
import java.net.URL;
import java.util.Enumeration;
import org.pf4j.ClassLoadingStrategy;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginManager;

/**
 * A plugin class loader that is parent-first for {@link SharedPackages} and plugin-first (PF4J's
 * default) for everything else, so a plugin jar that bundles its own copy of DJL, Guice or
 * platform-api still gets the host's classes.
 */
final class SharedFirstClassLoader extends PluginClassLoader {

  SharedFirstClassLoader(PluginManager manager, PluginDescriptor descriptor, ClassLoader parent) {
    super(manager, descriptor, parent, ClassLoadingStrategy.PDA);
  }

  @Override
  protected boolean shouldDelegateToParent(String className) {
    return SharedPackages.isSharedClass(className) || super.shouldDelegateToParent(className);
  }

  @Override
  public URL getResource(String name) {
    if (SharedPackages.isSharedResource(name)) {
      return getParent().getResource(name);
    }
    return super.getResource(name);
  }

  @Override
  public Enumeration<URL> getResources(String name) throws IOException {
    if (SharedPackages.isSharedResource(name)) {
      return getParent().getResources(name);
    }
    return super.getResources(name);
  }
}
