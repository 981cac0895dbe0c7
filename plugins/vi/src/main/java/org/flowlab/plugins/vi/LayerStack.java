package org.flowlab.plugins.vi;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.flowlab.api.distribution.StandardNormal;
import org.flowlab.api.flow.Bijector;
import org.flowlab.api.flow.Flow;
import org.flowlab.api.nn.ParameterScope;
import org.flowlab.api.spi.BuildContext;
import org.flowlab.api.spi.FamilyBuildException;

/** Builds a flow of K layers of one kind on vectors, over a standard normal base. */
final class LayerStack {
  private LayerStack() {}

  /**
   * Layer k (0-based) is applied k-th in the sampling direction, {@code z_K = f_K∘…∘f_1(z_0)}; its
   * parameters are named {@code layer.k.*}.
   *
   * @param family the family name, for the error on other shapes
   * @param layer makes the layer of one scope for dimension d
   */
  static Flow build(
      String family,
      BuildContext context,
      int layers,
      BiFunction<ParameterScope, Integer, Bijector> layer) {
    Shape shape = context.eventShape();
    if (shape.dimension() != 1 || shape.get(0) < 1) {
      throw new FamilyBuildException(
          null, family + " supports vectors (d) only, got event shape " + shape);
    }
    int d = Math.toIntExact(shape.get(0));
    ParameterScope root = context.parameters();
    List<Bijector> dataToLatent = new ArrayList<>();
    for (int k = 0; k < layers; k++) {
      dataToLatent.add(0, layer.apply(root.child("layer." + k), d));
    }
    return new Flow(shape, new StandardNormal(), dataToLatent, root.parameters());
  }
}
