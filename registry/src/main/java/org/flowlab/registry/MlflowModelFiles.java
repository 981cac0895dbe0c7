package org.flowlab.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The files that make a model version folder an MLflow Model: {@code MLmodel} with an {@code onnx}
 * flavour ({@code log_prob.onnx}) and a {@code python_function} flavour whose loader ({@code
 * code/flowlab_flow.py}, shipped in the folder) returns log p for {@code predict(x)} and samples
 * for {@code params={"mode": "sample", "n", "temperature", "seed"}}; a signature ({@code x}:
 * float32 {@code (-1, event…)} → {@code log_prob}: float32 {@code (-1)}), an input example, and the
 * environment ({@code requirements.txt}, {@code python_env.yaml}, {@code conda.yaml}). A
 * sampling-only flow's folder has the {@code onnx} flavour of {@code sampler.onnx} only, a VAE's
 * the {@code onnx} flavour of {@code generator.onnx} only.
 */
public final class MlflowModelFiles {
  /** MLflow's model descriptor. */
  public static final String MLMODEL = "MLmodel";

  /** The pyfunc loader module (in {@value #CODE_DIR}/). */
  public static final String LOADER_MODULE = "flowlab_flow";

  /** The folder the pyfunc flavour adds to Python's path. */
  public static final String CODE_DIR = "code";

  /** onnxruntime as pinned for Python: the version the export's parity check ran on. */
  public static final String ONNXRUNTIME_VERSION = "1.22.0";

  /** onnx as pinned for Python (MLflow's onnx flavour imports it). */
  public static final String ONNX_VERSION = "1.23.2";

  private static final String PYTHON_VERSION = "3.11";

  private MlflowModelFiles() {}

  /** Writes the MLflow Model files into a version folder that holds the ONNX files. */
  public static void write(Path dir, ModelCard card) throws IOException {
    Path code = Files.createDirectories(dir.resolve(CODE_DIR));
    try (InputStream loader = MlflowModelFiles.class.getResourceAsStream(LOADER_MODULE + ".py")) {
      if (loader == null) {
        throw new IOException("flowlab_flow.py missing from the registry jar");
      }
      Files.write(code.resolve(LOADER_MODULE + ".py"), loader.readAllBytes());
    }
    write(
        dir.resolve("requirements.txt"),
        "mlflow\nnumpy\nonnx==" + ONNX_VERSION + "\nonnxruntime==" + ONNXRUNTIME_VERSION + "\n");
    write(
        dir.resolve("python_env.yaml"),
        "python: '"
            + PYTHON_VERSION
            + "'\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\ndependencies:\n"
            + "- -r requirements.txt\n");
    write(
        dir.resolve("conda.yaml"),
        "channels:\n- conda-forge\ndependencies:\n- python="
            + PYTHON_VERSION
            + "\n- pip\n- pip:\n  - mlflow\n  - numpy\n  - onnx=="
            + ONNX_VERSION
            + "\n  - onnxruntime=="
            + ONNXRUNTIME_VERSION
            + "\nname: mlflow-env\n");
    String example = inputExample(card.eventShape());
    write(dir.resolve("input_example.json"), example);
    write(dir.resolve("serving_input_example.json"), "{\"inputs\": " + example + "}");
    write(dir.resolve(MLMODEL), mlmodel(card));
  }

  private static String mlmodel(ModelCard card) {
    if (card.has(ModelCard.SAMPLER)) {
      return samplerMlmodel(card);
    }
    if (card.has(ModelCard.GENERATOR)) {
      return generatorMlmodel(card);
    }
    String inputs = tensors(tensor("x", batched(card.eventShape())));
    String outputs = tensors(tensor("log_prob", batched()));
    String params =
        "[{\"name\": \"mode\", \"default\": \"log_prob\", \"shape\": null, \"type\": \"string\"},"
            + " {\"name\": \"n\", \"default\": 1, \"shape\": null, \"type\": \"long\"},"
            + " {\"name\": \"temperature\", \"default\": 1.0, \"shape\": null, \"type\":"
            + " \"double\"}, {\"name\": \"seed\", \"default\": 0, \"shape\": null, \"type\":"
            + " \"long\"}]";
    List<String> lines = onnxFlavour(ModelStore.LOG_PROB_FILE);
    lines.add("  python_function:");
    lines.add("    code: " + CODE_DIR);
    lines.add("    data: .");
    lines.add("    env:");
    lines.add("      conda: conda.yaml");
    lines.add("      virtualenv: python_env.yaml");
    lines.add("    loader_module: " + LOADER_MODULE);
    lines.add("    python_version: " + yamlString(PYTHON_VERSION));
    lines.add("metadata:");
    lines.add("  flowlab.family: " + yamlString(card.family()));
    lines.add("  flowlab.source_run: " + yamlString(card.sourceRun()));
    lines.add("  flowlab.sample_params: mode=sample, n, temperature, seed");
    lines.add("model_uuid: " + UUID.randomUUID().toString().replace("-", ""));
    lines.add("saved_input_example_info:");
    lines.add("  artifact_path: input_example.json");
    lines.add("  serving_input_path: serving_input_example.json");
    lines.add("  type: ndarray");
    lines.add("signature:");
    lines.add("  inputs: " + yamlString(inputs));
    lines.add("  outputs: " + yamlString(outputs));
    lines.add("  params: " + yamlString(params));
    lines.add("utc_time_created: " + yamlString(Instant.now().toString()));
    return String.join("\n", lines) + "\n";
  }

  /**
   * The {@code MLmodel} of a sampling-only flow: the {@code onnx} flavour of {@code sampler.onnx}
   * alone (the pyfunc loader serves {@code log_prob}, which such a flow has not), its signature z →
   * x, log_q.
   */
  private static String samplerMlmodel(ModelCard card) {
    return onnxOnlyMlmodel(
        card,
        ModelStore.SAMPLER_FILE,
        "sampler (no log_prob model: the family offers sampling only)",
        tensors(tensor("z", batched(card.latentShape()))),
        tensors(tensor("x", batched(card.eventShape())), tensor("log_q", batched())));
  }

  /**
   * The {@code MLmodel} of a VAE: the {@code onnx} flavour of {@code generator.onnx} alone (the
   * pyfunc loader serves {@code log_prob}, which a VAE has not), its signature z, temperature → x.
   */
  private static String generatorMlmodel(ModelCard card) {
    return onnxOnlyMlmodel(
        card,
        ModelStore.GENERATOR_FILE,
        "generator (a VAE's decoder means; no log_prob model: its likelihood is only estimated)",
        tensors(tensor("z", batched(card.latentShape())), tensor("temperature", new long[0])),
        tensors(tensor("x", batched(card.eventShape()))));
  }

  /** An {@code MLmodel} with the {@code onnx} flavour of {@code file} alone and its signature. */
  private static String onnxOnlyMlmodel(
      ModelCard card, String file, String graph, String inputs, String outputs) {
    List<String> lines = onnxFlavour(file);
    lines.add("metadata:");
    lines.add("  flowlab.family: " + yamlString(card.family()));
    lines.add("  flowlab.source_run: " + yamlString(card.sourceRun()));
    lines.add("  flowlab.graph: " + yamlString(graph));
    lines.add("model_uuid: " + UUID.randomUUID().toString().replace("-", ""));
    lines.add("signature:");
    lines.add("  inputs: " + yamlString(inputs));
    lines.add("  outputs: " + yamlString(outputs));
    lines.add("utc_time_created: " + yamlString(Instant.now().toString()));
    return String.join("\n", lines) + "\n";
  }

  /** A signature's tensor list (JSON). */
  private static String tensors(String... specs) {
    return "[" + String.join(", ", specs) + "]";
  }

  /** One float32 tensor of a signature (JSON); {@code shape}'s lengths, −1 for the batch axis. */
  private static String tensor(String name, long[] shape) {
    return "{\"name\": \""
        + name
        + "\", \"type\": \"tensor\", \"tensor-spec\": {\"dtype\": \"float32\", \"shape\": ["
        + dims(shape)
        + "]}}";
  }

  /** {@code eventShape} with the batch axis (−1) first. */
  private static long[] batched(long... eventShape) {
    long[] shape = new long[eventShape.length + 1];
    shape[0] = -1;
    System.arraycopy(eventShape, 0, shape, 1, eventShape.length);
    return shape;
  }

  /** A shape's lengths as a JSON list's items, e.g. {@code 1, 28, 28}. */
  private static String dims(long[] shape) {
    return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", "));
  }

  /** The first lines of an {@code MLmodel}: its {@code onnx} flavour, of the model {@code file}. */
  private static List<String> onnxFlavour(String file) {
    List<String> lines = new ArrayList<>();
    lines.add("flavors:");
    lines.add("  onnx:");
    lines.add("    code: null");
    lines.add("    data: " + file);
    lines.add("    onnx_session_options: null");
    lines.add("    onnx_version: " + ONNX_VERSION);
    lines.add("    providers:");
    lines.add("    - CUDAExecutionProvider");
    lines.add("    - CPUExecutionProvider");
    return lines;
  }

  /** Two rows of 0.5 (inside every dataset's range, [0, 1) for images) in the event shape. */
  private static String inputExample(long[] eventShape) {
    String row = nested(eventShape, 0);
    return "[" + row + ", " + row + "]";
  }

  private static String nested(long[] shape, int axis) {
    if (axis == shape.length) {
      return "0.5";
    }
    List<String> items = new ArrayList<>();
    for (long i = 0; i < shape[axis]; i++) {
      items.add(nested(shape, axis + 1));
    }
    return "[" + String.join(", ", items) + "]";
  }

  /** A YAML single-quoted scalar. */
  private static String yamlString(String s) {
    return "'" + (s == null ? "" : s).replace("'", "''") + "'";
  }

  private static void write(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }
}
