package org.flowlab.api.nn;

import java.util.List;

/**
 * A multilayer perceptron: Linear → activation → … → Linear. The last layer can start at zero, so
 * that a coupling whose conditioner is this MLP starts as the identity.
 */
public final class Mlp extends LayerSequence {

  /**
   * @param scope where the layers register their weights ({@code 0.weight}, {@code 1.weight}, …)
   * @param in input features
   * @param hidden width of each hidden layer (its size is the number of hidden layers)
   * @param out output features
   * @param activation nonlinearity between layers
   * @param zeroLast whether the last linear layer starts at zero
   */
  public Mlp(
      ParameterScope scope,
      int in,
      List<Integer> hidden,
      int out,
      Activation activation,
      boolean zeroLast) {
    super(scope);
    int width = in;
    int index = 0;
    for (int h : hidden) {
      layers.add(new Linear(scope.child(Integer.toString(index++)), width, h, false));
      layers.add(activation);
      width = h;
    }
    layers.add(new Linear(scope.child(Integer.toString(index)), width, out, zeroLast));
  }
}
