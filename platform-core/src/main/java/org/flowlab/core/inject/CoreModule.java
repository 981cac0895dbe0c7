package org.flowlab.core.inject;

import com.google.inject.AbstractModule;
import com.google.inject.name.Names;
import java.nio.file.Path;

/**
 * The host's own services: where runs are stored. Trackers and the experiment runner are
 * just-in-time bound.
 */
public final class CoreModule extends AbstractModule {
  private final Path runsDir;

  /**
   * @param runsDir the local run store's folder
   */
  public CoreModule(Path runsDir) {
    this.runsDir = runsDir;
  }

  @Override
  protected void configure() {
    bind(Path.class).annotatedWith(Names.named("runsDir")).toInstance(runsDir);
  }
}
