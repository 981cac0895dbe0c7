package org.flowlab.core.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.flowlab.api.onnx.runtime.OnnxSession;
import org.flowlab.core.config.ConfigException;
import org.flowlab.core.export.ExportBenchmark;
import org.flowlab.registry.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code flowlab bench-export <name[:version]>...}: inference throughput of registered models in
 * ONNX Runtime against the JVM eager model rebuilt from each card's source run, samples/s and
 * log_prob/s per batch size, as one table.
 */
@Command(
    name = "bench-export",
    mixinStandardHelpOptions = true,
    description = {
      "Measure samples/s and log_prob/s of registered models in ONNX Runtime and in the JVM eager"
          + " model rebuilt from the source run's config.yaml and best checkpoint (CPU, no"
          + " gradients), after warmup, at each batch size; print one table row per model and"
          + " batch with the speedup of ONNX Runtime over the JVM.",
      "The ONNX Runtime provider defaults to cpu here (not auto), so both sides run on the CPU."
    })
final class BenchExportCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(
      arity = "1..*",
      paramLabel = "MODEL",
      description = "NAME or NAME:VERSION; several models give one table.")
  List<String> models;

  @Option(
      names = "--batches",
      split = ",",
      paramLabel = "B",
      description = "Batch sizes, comma-separated (default: ${DEFAULT-VALUE}).")
  List<Integer> batches = new ArrayList<>(List.of(1, 1024));

  @Option(
      names = "--seconds",
      paramLabel = "S",
      description = "Least timed seconds per figure (default: ${DEFAULT-VALUE}).")
  double seconds = 2.0;

  @Option(
      names = "--min-calls",
      paramLabel = "N",
      description = "Least timed calls per figure (default: ${DEFAULT-VALUE}).")
  int minCalls = 3;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      description = "Untimed calls before each figure (default: ${DEFAULT-VALUE}).")
  int warmup = 3;

  @Option(
      names = "--ort-threads",
      paramLabel = "N",
      description =
          "ONNX Runtime intra-op threads (default: the JVM's PyTorch intra-op threads, so both"
              + " sides compute with the same number; $OMP_NUM_THREADS sets those).")
  Integer ortThreads;

  @Mixin RegistryOptions registry;

  @Override
  public Integer call() throws Exception {
    ExportBenchmark bench = main.injector().getInstance(ExportBenchmark.class); // loads the engine
    ExportBenchmark.Options options;
    try {
      options =
          new ExportBenchmark.Options(
              batches,
              seconds,
              minCalls,
              warmup,
              registry.provider == null ? OnnxSession.Provider.CPU : registry.provider(),
              ortThreads != null ? ortThreads : pytorchThreads());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("bench-export", "", e.getMessage());
    }
    ModelStore store = registry.store();
    List<ExportBenchmark.Row> rows = new ArrayList<>();
    for (String reference : models) {
      rows.addAll(bench.measure(SampleCommand.resolve(store, reference), options, System.out));
    }
    System.out.print(ExportBenchmark.table(rows));
    return 0;
  }

  /** The JVM's PyTorch intra-op threads ($OMP_NUM_THREADS, else PyTorch's default). */
  private static int pytorchThreads() {
    ai.djl.engine.Engine.getInstance();
    return ai.djl.pytorch.jni.JniUtils.getNumThreads();
  }
}
