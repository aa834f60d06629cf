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
}
