package org.flowlab.core.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.inject.CoreModule;
import org.flowlab.core.inject.PluginModule;
import org.flowlab.core.runtime.LibtorchException;
import org.flowlab.core.runtime.LibtorchRuntime;
import org.flowlab.core.tracking.RunLockedException;
import org.flowlab.core.train.CheckpointMismatchException;
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
      DoctorCommand.class,
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

  @Option(
      names = "--libtorch",
      description =
          "libtorch folder to load (a wheel's torch/ or torch/lib, or an unpacked libtorch);"
              + " also FLOWLAB_LIBTORCH, or FLOWLAB_PYTHON=/path/to/python for its torch.")
  Path libtorch;

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
    if (libtorch != null) {
      options.addAll(java.util.List.of("--libtorch", libtorch.toString()));
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
      if (pluginsDir != null && !java.nio.file.Files.isDirectory(pluginsDir)) {
        throw new ConfigException("--plugins-dir " + pluginsDir, "", "no such folder");
      }
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
    // The libtorch is chosen after parsing (--libtorch) and before any command touches DJL.
    cli.setExecutionStrategy(
        parseResult -> {
          Integer help = CommandLine.executeHelpRequest(parseResult);
          if (help != null) {
            return help;
          }
          try {
            LibtorchRuntime.selectAtLaunch(main.libtorch, System.err);
          } catch (LibtorchException e) {
            cli.getErr().println("error: " + e.getMessage());
            return BAD_INPUT;
          }
          return new CommandLine.RunLast().execute(parseResult);
        });
    cli.setExecutionExceptionHandler(
        (thrown, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          Exception e = thrown;
          if (e instanceof com.google.inject.ProvisionException
              && e.getCause() instanceof Exception c) {
            e = c; // e.g. the plugin host failing to start: its own message is the one line
          }
          if (e instanceof ConfigException || e instanceof RunLockedException) {
            err.println("error: " + e.getMessage());
            return BAD_INPUT;
          }
          if (e instanceof TrainingStoppedException stopped) {
            err.println(e.getMessage() + " (flowlab run --resume RUN continues it)");
            return stopped.exitCode();
          }
          if (e instanceof TrainingDivergedException
              || e instanceof CheckpointMismatchException
              || e instanceof org.flowlab.api.device.DevicePlacementException) {
            err.println("error: " + e.getMessage());
            return 1;
          }
          if ((e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException)
              && e.getMessage() != null
              && !main.debug) {
            // A failure of the file system or of a file's content: its message names the file.
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
