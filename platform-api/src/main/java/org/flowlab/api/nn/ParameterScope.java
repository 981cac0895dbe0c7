package org.flowlab.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flowlab.api.random.Seeds;

/**
 * Creates and names a flow's parameters. Each layer gets a child scope ({@code
 * scope.child("coupling.0")}) and registers its tensors there. A parameter's initial values depend
 * only on the run seed and its full name, so adding a layer never changes the initialisation of the
 * others. The root also carries the run's {@link Autocast}, which matmul-class layers read once at
 * construction ({@link #autocast()}).
 */
public final class ParameterScope {
  private final NDManager manager;
  private final long seed;
  private final String prefix;
  private final Map<String, Parameter> registry;
  private final ParameterStorage storage;
  private final Autocast autocast;

  private ParameterScope(
      NDManager manager,
      long seed,
      String prefix,
      Map<String, Parameter> registry,
      ParameterStorage storage,
      Autocast autocast) {
    this.manager = manager;
    this.seed = seed;
    this.prefix = prefix;
    this.registry = registry;
    this.storage = storage;
    this.autocast = autocast;
  }

  /**
   * The root scope of one flow: parameters live on {@code manager}'s device, each its own tensor.
   */
  public static ParameterScope root(NDManager manager, long seed) {
    return new ParameterScope(manager, seed, "", new LinkedHashMap<>(), null, Autocast.FLOAT32);
  }

  /**
   * The root scope of one flow whose trainable parameters live in {@code storage} (buffers stay
   * tensors of their own); initial values are the same as with {@link #root(NDManager, long)}.
   */
  public static ParameterScope root(NDManager manager, long seed, ParameterStorage storage) {
    return root(manager, seed, storage, Autocast.FLOAT32);
  }

  /**
   * The root scope of one flow whose matmul-class layers compute through {@code autocast}; {@code
   * storage} as in {@link #root(NDManager, long, ParameterStorage)}, or null for parameters of
   * their own.
   */
  public static ParameterScope root(
      NDManager manager, long seed, ParameterStorage storage, Autocast autocast) {
    return new ParameterScope(manager, seed, "", new LinkedHashMap<>(), storage, autocast);
  }

  /** A child scope whose parameters are named {@code prefix.name.*}. */
  public ParameterScope child(String name) {
    return new ParameterScope(manager, seed, qualify(name), registry, storage, autocast);
  }

  /** How the matmul-class layers of this flow compute ({@link Autocast#FLOAT32} by default). */
  public Autocast autocast() {
    return autocast;
  }

  /** The parameter (or buffer) {@code name} registered in this scope; null if there is none. */
  public Parameter parameter(String name) {
    return registry.get(qualify(name));
  }

  /** Creates and registers a trainable parameter. */
  public NDArray trainable(String name, Shape shape, Initializer init) {
    return create(name, shape, init, true);
  }

  /** Creates and registers a buffer: saved in checkpoints, never updated by the optimizer. */
  public NDArray buffer(String name, Shape shape, Initializer init) {
    return create(name, shape, init, false);
  }

  /** Every parameter registered through this scope's root, in creation order. */
  public List<Parameter> parameters() {
    return List.copyOf(new ArrayList<>(registry.values()));
  }

  /** The manager whose device holds the parameters. */
  public NDManager manager() {
    return manager;
  }

  /** The run seed parameters are drawn from. */
  public long seed() {
    return seed;
  }

  private NDArray create(String name, Shape shape, Initializer init, boolean trainable) {
    String full = qualify(name);
    if (registry.containsKey(full)) {
      throw new IllegalStateException("parameter " + full + " is registered twice");
    }
    float[] values = init.values(shape, Seeds.stream(seed, "init/" + full));
    if (trainable && storage != null) {
      NDArray view = storage.allocate(full, shape, values);
      registry.put(full, new Parameter(full, view, true, storage));
      return view;
    }
    NDArray array = manager.create(values, shape);
    array.setName(full);
    registry.put(full, new Parameter(full, array, trainable));
    return array;
  }

  private String qualify(String name) {
    return prefix.isEmpty() ? name : prefix + "." + name;
  }
}
