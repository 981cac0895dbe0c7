package org.flowlab.core.cli;

import java.util.concurrent.Callable;
import org.flowlab.core.experiment.TrackerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code flowlab runs}: the local run store as a table, sortable by a metric. */
@Command(
    name = "runs",
    mixinStandardHelpOptions = true,
    description = "List runs in the local run store.")
final class RunsCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--experiment", description = "Only this experiment's runs.")
  String experiment;

  @Option(
      names = "--sort",
      paramLabel = "METRIC",
      description = "Sort by a metric's latest value, e.g. test/nll.")
  String sort;

  @Option(names = "--desc", description = "Sort descending.")
  boolean descending;

  @Override
  public Integer call() throws Exception {
    var store = main.injector().getInstance(TrackerFactory.class).localStore();
    System.out.print(store.table(sort, descending, experiment));
    return 0;
  }
}
