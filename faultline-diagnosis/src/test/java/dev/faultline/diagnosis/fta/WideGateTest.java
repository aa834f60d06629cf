package dev.faultline.diagnosis.fta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A gate with many arguments is built from its deepest argument up. Folded in argument order, an OR of n events
 * whose variables come in that order rebuilt the whole diagram for every argument (each new variable goes below all
 * the others): about n²/2 nodes created for a diagram of n, so an OR of 10,000 events ran out of a 1 GB heap.
 */
class WideGateTest {

  private static FaultTreeModel wide(Connective connective, int n, double p) {
    FaultTreeModel.Builder b = FaultTreeModel.builder();
    List<Formula> args = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      b.addBasicEvent(BasicEvent.of("e" + i, p));
      args.add(Formula.basic("e" + i));
    }
    b.addFaultTree(new FaultTree("wide", List.of(Gate.of("top",
        Formula.Operation.of(connective, args.toArray(Formula[]::new)))), List.of()));
    return b.build();
  }

  private static int bddNodes(List<String> progress) {
    for (String line : progress) {
      if (line.startsWith("BDD: ")) {
        return Integer.parseInt(line.substring(5, line.indexOf(' ', 5)));
      }
    }
    throw new AssertionError("no BDD size in " + progress);
  }

  @Test
  void aWideOrCreatesAboutOneNodePerArgument() {
    int n = 3000;
    List<String> progress = new CopyOnWriteArrayList<>();
    FaultTreeResult r = FaultTreeAnalysis.builder(wide(Connective.OR, n, 1e-4)).progress(progress::add).build().run();
    assertEquals(1 - Math.pow(1 - 1e-4, n), r.probability(), 1e-12);
    assertEquals(java.math.BigInteger.valueOf(n), r.cutSetCount());
    assertTrue(bddNodes(progress) <= 2 * n + 10, progress.toString());
  }

  @Test
  void aWideAndCreatesAboutOneNodePerArgument() {
    int n = 3000;
    List<String> progress = new CopyOnWriteArrayList<>();
    FaultTreeResult r = FaultTreeAnalysis.builder(wide(Connective.AND, n, 0.999)).progress(progress::add).build()
        .run();
    assertEquals(Math.pow(0.999, n), r.probability(), 1e-12);
    assertEquals(java.math.BigInteger.ONE, r.cutSetCount());
    assertTrue(bddNodes(progress) <= 2 * n + 10, progress.toString());
  }
}
