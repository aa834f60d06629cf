package dev.faultline.diagnosis.fta;

import java.util.ArrayList;
import java.util.List;

/** Deep fault trees for the tests that must not overflow a stack or grow with the square of the depth. */
public final class Chains {
  private Chains() {}

  /**
   * A chain of {@code depth} gates {@code g0 .. g(depth-1)}: each an OR of its own event ({@code e<i>}, probability
   * 0.001) and the next gate, the last just its event. Every gate is a module nested in the one before.
   */
  public static FaultTreeModel chain(int depth) {
    FaultTreeModel.Builder b = FaultTreeModel.builder();
    List<Gate> gates = new ArrayList<>();
    for (int g = 0; g < depth; g++) {
      b.addBasicEvent(BasicEvent.of("e" + g, 0.001));
      gates.add(Gate.of("g" + g, g + 1 < depth
          ? Formula.Operation.of(Connective.OR, Formula.basic("e" + g), Formula.gate("g" + (g + 1)))
          : Formula.basic("e" + g)));
    }
    b.addFaultTree(new FaultTree("chain", gates, List.of()));
    return b.build();
  }

  /**
   * A nest of {@code depth} products: gate {@code g<i>} is {@code c<i> or (m<i> and g<i+1>)} with module
   * {@code m<i> = a<i> or b<i>}, and {@code g<depth>} is event {@code z}; 2^depth and more cut sets, the k-th listed
   * reaching k levels down (every path through {@code m<i> and g<i+1>} holds two modules).
   */
  public static FaultTreeModel products(int depth) {
    FaultTreeModel.Builder b = FaultTreeModel.builder();
    List<Gate> gates = new ArrayList<>();
    for (int g = 0; g < depth; g++) {
      b.addBasicEvent(BasicEvent.of("a" + g, 0.5)).addBasicEvent(BasicEvent.of("b" + g, 0.5))
          .addBasicEvent(BasicEvent.of("c" + g, 0.001));
      gates.add(Gate.of("m" + g, Formula.Operation.of(Connective.OR, Formula.basic("a" + g), Formula.basic("b" + g))));
      gates.add(Gate.of("p" + g, Formula.Operation.of(Connective.AND, Formula.gate("m" + g),
          Formula.gate("g" + (g + 1)))));
      gates.add(Gate.of("g" + g, Formula.Operation.of(Connective.OR, Formula.basic("c" + g), Formula.gate("p" + g))));
    }
    b.addBasicEvent(BasicEvent.of("z", 0.5));
    gates.add(Gate.of("g" + depth, Formula.basic("z")));
    b.addFaultTree(new FaultTree("products", gates, List.of()));
    return b.build();
  }

  /**
   * A nest of {@code depth} products of two modules whose first cut sets reach the bottom: gate {@code g<i>} is
   * {@code (m<i> and g<i+1>) or c<i>} with module {@code m<i> = a<i> and b<i>}, and {@code g<depth>} is the product
   * of the 13 modules {@code x<j> or y<j>} (8,192 sets, so that no gate's family is small enough to be listed whole).
   * Its {@code depth + 8192} cut sets are listed in that order: {@code a0 b0 .. a<depth-1> b<depth-1>} with each set
   * of {@code g<depth>}, then {@code a0 b0 .. a<k-1> b<k-1> c<k>} for k from {@code depth - 1} down to 0.
   */
  public static FaultTreeModel bottomFirstProducts(int depth) {
    FaultTreeModel.Builder b = FaultTreeModel.builder();
    List<Gate> gates = new ArrayList<>();
    for (int g = 0; g < depth; g++) {
      b.addBasicEvent(BasicEvent.of("a" + g, 0.5)).addBasicEvent(BasicEvent.of("b" + g, 0.5))
          .addBasicEvent(BasicEvent.of("c" + g, 0.001));
      gates.add(Gate.of("m" + g, Formula.Operation.of(Connective.AND, Formula.basic("a" + g), Formula.basic("b" + g))));
      gates.add(Gate.of("p" + g, Formula.Operation.of(Connective.AND, Formula.gate("m" + g),
          Formula.gate("g" + (g + 1)))));
      gates.add(Gate.of("g" + g, Formula.Operation.of(Connective.OR, Formula.gate("p" + g), Formula.basic("c" + g))));
    }
    List<Formula> bottom = new ArrayList<>();
    for (int j = 0; j < 13; j++) {
      b.addBasicEvent(BasicEvent.of("x" + j, 0.5)).addBasicEvent(BasicEvent.of("y" + j, 0.5));
      gates.add(Gate.of("o" + j, Formula.Operation.of(Connective.OR, Formula.basic("x" + j), Formula.basic("y" + j))));
      bottom.add(Formula.gate("o" + j));
    }
    gates.add(Gate.of("g" + depth, Formula.Operation.of(Connective.AND, bottom.toArray(new Formula[0]))));
    b.addFaultTree(new FaultTree("bottom-first products", gates, List.of()));
    return b.build();
  }
}
