package org.flowlab.core.cli;

import java.util.concurrent.Callable;
import org.flowlab.api.spi.FlowFamily;
import org.flowlab.api.target.TargetDensity;
import org.flowlab.core.plugins.PluginHost;
import org.flowlab.core.plugins.PluginSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code flowlab plugins}: the installed plugins, their families, the target densities (the host's
 * and the plugins'), and the plugins that failed to load.
 */
@Command(
    name = "plugins",
    mixinStandardHelpOptions = true,
    description = "List installed plugins and the flow families they provide.")
final class PluginsCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Override
  public Integer call() {
    PluginHost host = main.injector().getInstance(PluginHost.class);
    System.out.printf("%-12s %-10s %-10s %s%n", "PLUGIN", "VERSION", "STATE", "FAMILIES");
    for (PluginSummary p : host.plugins()) {
      System.out.printf(
          "%-12s %-10s %-10s %s%n",
          p.id(), p.version(), p.state(), String.join(", ", p.families()));
    }
    for (FlowFamily<?> f : host.families().values()) {
      System.out.printf("  %-10s %s%n", f.name(), f.description());
    }
    System.out.println("TARGETS (target.name, for training.objective reverse_kl)");
    for (TargetDensity<?> t : host.targets().values()) {
      System.out.printf("  %-10s %s%n", t.name(), t.description());
    }
    for (PluginSummary p : host.failures()) {
      System.out.println("failed: " + p.id() + ": " + p.error());
    }
    host.conflicts()
        .forEach(
            (family, claimants) ->
                System.out.println(
                    "conflict: family '"
                        + family
                        + "' is declared by "
                        + String.join(" and ", claimants)
                        + "; neither is used until one is removed"));
    return host.failures().isEmpty() && host.conflicts().isEmpty() ? 0 : 1;
  }
}
