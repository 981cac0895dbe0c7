package org.flowlab.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flowlab.api.nn.Parameter;
import org.flowlab.api.nn.ParameterStorage;

/**
 * Every trainable float32 parameter of a flow in one buffer, so that the optimizer's update, the
 * gradient norm and clearing the gradients are one native call each instead of one per parameter.
 *
 * <p>How, with DJL's PyTorch engine: the buffer is a direct {@link ByteBuffer} that two tensors
 * wrap without copying. {@link #values()} requires gradients; one {@code split_with_sizes} of it,
 * made once with autograd recording, gives every parameter its view (reshaped to its shape), so
 * backpropagation through any view lands in the one flat gradient of {@code values} (a single
 * {@code SplitWithSizesBackward} node concatenates them). The optimizer and every other in-place
 * write go through {@link #writable()}: the same memory, but a tensor with its own version counter,
 * so writing never invalidates the views' autograd nodes (PyTorch would otherwise rebuild each
 * view's backward as an {@code as_strided} over the whole buffer on every step).
 *
 * <p>CPU only: the buffer is host memory. {@link #create} returns null where it cannot be used, and
 * parameters stay tensors of their own.
 */
public final class PackedParameters implements ParameterStorage {
  /** Where one parameter sits in the buffer. */
  record Slot(String name, long offset, Shape shape, NDArray value) {}

  private final ByteBuffer memory;
  private final NDArray values;
  private final NDArray writable;
  private final Map<String, Slot> slots = new LinkedHashMap<>();

  private PackedParameters(
      ByteBuffer memory, NDArray values, NDArray writable, List<String> names, List<Shape> shapes) {
    this.memory = memory;
    this.values = values;
    this.writable = writable;
    long[] sizes = new long[shapes.size()];
    long[] splitAt = new long[Math.max(0, shapes.size() - 1)];
    long offset = 0;
    for (int i = 0; i < shapes.size(); i++) {
      sizes[i] = shapes.get(i).size();
      offset += sizes[i];
      if (i < splitAt.length) {
        splitAt[i] = offset;
      }
    }
    boolean recording = JniUtils.isGradMode();
    JniUtils.setGradMode(true); // views made without recording would not carry gradients
    try {
      NDList views = shapes.size() == 1 ? new NDList(values) : values.split(splitAt, 0);
      offset = 0;
      for (int i = 0; i < shapes.size(); i++) {
        NDArray view = views.get(i).reshape(shapes.get(i));
        view.setName(names.get(i));
        slots.put(names.get(i), new Slot(names.get(i), offset, shapes.get(i), view));
        offset += sizes[i];
      }
    } finally {
      JniUtils.setGradMode(recording);
    }
  }

  /**
   * Storage for the trainable parameters of {@code layout} (a flow built once with parameters of
   * their own, which tells the names and shapes), on {@code manager}; null when the device is not
   * the CPU, a parameter is not float32, or the engine copies direct buffers instead of wrapping
   * them.
   */
  public static PackedParameters create(List<Parameter> layout, NDManager manager) {
    if (!Device.Type.CPU.equals(manager.getDevice().getDeviceType())
        || !"PyTorch".equals(manager.getEngine().getEngineName())) {
      return null;
    }
    List<Parameter> trainable = layout.stream().filter(Parameter::trainable).toList();
    if (trainable.isEmpty()
        || trainable.stream().anyMatch(p -> p.value().getDataType() != DataType.FLOAT32)) {
      return null;
    }
    long total = trainable.stream().mapToLong(p -> p.value().getShape().size()).sum();
    ByteBuffer memory =
        ByteBuffer.allocateDirect(Math.toIntExact(total * Float.BYTES))
            .order(ByteOrder.nativeOrder());
    NDArray values = manager.create(memory, new Shape(total), DataType.FLOAT32);
    NDArray writable = manager.create(memory, new Shape(total), DataType.FLOAT32);
    memory.putFloat(0, 1.5f);
    boolean wrapped = values.getFloat(0) == 1.5f && writable.getFloat(0) == 1.5f;
    memory.putFloat(0, 0f);
    if (!wrapped) {
      values.close();
      writable.close();
      return null;
    }
    values.setName("packed.parameters");
    values.setRequiresGradient(true);
    return new PackedParameters(
        memory,
        values,
        writable,
        trainable.stream().map(Parameter::name).toList(),
        trainable.stream().map(p -> p.value().getShape()).toList());
  }

  @Override
  public NDArray allocate(String name, Shape shape, float[] initial) {
    Slot slot = slot(name, shape);
    for (int i = 0; i < initial.length; i++) {
      memory.putFloat(Math.toIntExact((slot.offset() + i) * Float.BYTES), initial[i]);
    }
    return slot.value();
  }

  /**
   * Copies the bytes straight into the buffer: no tensor op, so no version counter moves (DJL's
   * {@code NDArray.set(Buffer)} would instead swap the view's storage for the source's memory).
   */
  @Override
  public void write(String name, NDArray source) {
    Slot slot = slot(name, source.getShape());
    if (source.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(name + ": packed parameters are float32");
    }
    ByteBuffer bytes = source.toByteBuffer().order(ByteOrder.nativeOrder());
    for (int i = 0; i < slot.shape().size(); i++) {
      memory.putFloat(Math.toIntExact((slot.offset() + i) * Float.BYTES), bytes.getFloat(i * 4));
    }
  }

  private Slot slot(String name, Shape shape) {
    Slot slot = slots.get(name);
    if (slot == null || !slot.shape().equals(shape)) {
      throw new IllegalStateException(
          "parameter "
              + name
              + " "
              + shape
              + " is not in the layout the packed storage was made for");
    }
    return slot;
  }

  /** The flat tensor autograd sees (its gradient is every parameter's gradient, in order). */
  NDArray values() {
    return values;
  }

  /** The same memory for in-place updates. */
  NDArray writable() {
    return writable;
  }

  /** Number of values in the buffer. */
  long size() {
    return values.getShape().size();
  }

  /** Every parameter's place in the buffer, in order. */
  List<Slot> slots() {
    return List.copyOf(slots.values());
  }
}
