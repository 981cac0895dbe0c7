package org.flowlab.core.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.inject.CoreModule;
import org.flowlab.core.inject.PluginModule;
import org.flowlab.core.train.Trainer;
import org.flowlab.core.train.TrainingDivergedException;
import org.flowlab.core.train.TrainingStoppedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flowlab}: exit code 0 on success, 2 for bad input (config, file, family, usage) with one
 * located message and no stack trace, 1 when a run fails (e.g. diverged).
 */
@Command(
    name = "flowlab",
    mixinStandardHelpOptions = true,
    version = "flowlab 0.1.0",
    description = "Normalizing-flow experiments: plugins, training, tracking.",
    subcommands = {
      RunCommand.class,
      ValidateCommand.class,
      PluginsCommand.class,
      RunsCommand.class,
      SyncCommand.class,
      BenchCommand.class,
      SweepCommand.class,
      SweepTrialCommand.class,
      ReproduceCommand.class,
      ExportCommand.class,
      BenchExportCommand.class,
      ModelsCommand.class,
      SampleCommand.class,
      ScoreCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  /** Exit code for bad input. */
  public static final int BAD_INPUT = 2;

  @Option(
      names = "--plugins-dir",
      description = "Folder of plugin jars (default: $FLOWLAB_HOME/plugins, else ./plugins).")
  Path pluginsDir;

  @Option(
      names = "--dev",
      description =
          "Development mode: load plugins from the source tree (plugins/*/target/classes).")
  boolean development;

  @Option(names = "--runs-dir", description = "Local run store (default: ./runs).")
  Path runsDir;

  @Option(names = "--debug", description = "Print stack traces of unexpected errors.")
  boolean debug;

  private Injector injector;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        new CommandLine(this), "missing command: run, validate, plugins, runs or sync");
  }

  /** The global options as given, to start the CLI again (a sweep's trial JVMs). */
  java.util.List<String> globalOptions() {
    java.util.List<String> options = new java.util.ArrayList<>();
    if (pluginsDir != null) {
      options.addAll(java.util.List.of("--plugins-dir", pluginsDir.toString()));
    }
    if (development) {
      options.add("--dev");
    }
    if (runsDir != null) {
      options.addAll(java.util.List.of("--runs-dir", runsDir.toString()));
    }
    if (debug) {
      options.add("--debug");
    }
    return options;
  }

  /** The object graph, built on first use from the global options. */
  Injector injector() {
    if (injector == null) {
      Path home =
          Path.of(
              System.getProperty(
                  "flowlab.home", System.getenv().getOrDefault("FLOWLAB_HOME", ".")));
      Path plugins = pluginsDir != null ? pluginsDir : home.resolve("plugins");
      Path runs = runsDir != null ? runsDir : Path.of("runs");
      injector = Guice.createInjector(new CoreModule(runs), new PluginModule(plugins, development));
    }
    return injector;
  }

  /** Runs the CLI and returns its exit code. */
  public static int execute(String... args) {
    if (!Trainer.bitwiseReproducible()) {
      System.err.println(
          "warning: started without -Dsun.nio.PageAlignDirectMemory=true: CPU results are not bitwise"
              + " reproducible (use the ./flowlab launcher)");
    }
    Main main = new Main();
    CommandLine cli = new CommandLine(main);
    // "--plugins-dir plugins" names a folder, not the plugins command.
    cli.setAllowSubcommandsAsOptionParameters(true);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          if (e instanceof ConfigException) {
            err.println("error: " + e.getMessage());
            return BAD_INPUT;
          }
          if (e instanceof TrainingStoppedException stopped) {
            err.println(e.getMessage() + " (flowlab run --resume RUN continues it)");
            return stopped.exitCode();
          }
          if (e instanceof TrainingDivergedException) {
            err.println("error: " + e.getMessage());
            return 1;
          }
          err.println("error: " + e);
          if (main.debug) {
            e.printStackTrace(err);
          } else {
            err.println("(run with --debug for the stack trace)");
          }
          return 1;
        });
    return cli.execute(args);
  }

  /** Entry point of the {@code ./flowlab} launcher. */
  public static void main(String[] args) {
    System.exit(execute(args));
  }
}
