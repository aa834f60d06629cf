package dev.faultline.diagnosis.fta.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.diagnosis.fta.Chains;
import dev.faultline.diagnosis.fta.FaultTreeAnalysis;
import dev.faultline.diagnosis.fta.FaultTreeModel;
import java.util.Iterator;
import org.junit.jupiter.api.Test;

/** The enumeration of a family's sets, by the memory it takes. */
class FamilyTest {

  /**
   * Listing the small module families nested in each other took one memo of the whole ZBDD per module (memory and time
   * quadratic in the nesting: a chain of 10,000 gates ran out of a 1 GiB heap); every unbounded listing shares one.
   */
  @Test
  void nestedModuleFamiliesShareOneUnboundedMemo() {
    int depth = 300;
    FaultTreeModel chain = Chains.chain(depth);
    Engine engine = new Engine(Pdag.compile(chain, "g0", FaultTreeModel.DEFAULT_MISSION_TIME), Integer.MAX_VALUE,
        s -> { });
    engine.run();
    Family family = engine.family();
    assertTrue(engine.moduleCount() > depth / 2, "the chain is nested modules: " + engine.moduleCount());

    Iterator<int[]> it = family.iterator(new int[family.itemCount()], 0, Integer.MAX_VALUE, 0);
    int sets = 0;
    while (it.hasNext()) {
      assertEquals(1, it.next().length);
      sets++;
    }

    assertEquals(depth, sets);
    assertTrue(family.memosCreated() <= 2, "memos created: " + family.memosCreated());
  }

  /**
   * Listing a chain's cut sets is linear work in its depth: each gate's family is its event and the family of the
   * next gate, and that one was listed by a nested iterator whose every set was copied once more at each level (and
   * the small families, each listed and kept whole: quadratic time and memory). The work counted is ZBDD nodes
   * visited plus products of module sets combined, which the enumeration does for every set it yields.
   */
  @Test
  void listingAChainIsLinearInItsDepth() {
    for (int depth : new int[] {500, 2_000}) {
      // Compiling and analysing a deep chain recurses: on a large stack, as FaultTreeAnalysis.run() does.
      Family family = FaultTreeAnalysis.onLargeStack(() -> {
        Engine engine = new Engine(Pdag.compile(Chains.chain(depth), "g0", FaultTreeModel.DEFAULT_MISSION_TIME),
            Integer.MAX_VALUE, s -> { });
        engine.run();
        return engine.family();
      });
      Iterator<int[]> it = family.iterator(new int[family.itemCount()], 0, Integer.MAX_VALUE, 0);
      java.util.Set<Integer> events = new java.util.HashSet<>();
      while (it.hasNext()) {
        int[] set = it.next();
        assertEquals(1, set.length);
        assertTrue(events.add(set[0]), "listed twice: " + set[0]);
      }
      assertEquals(depth, events.size());
      long work = Family.work(it);
      assertTrue(work <= 8L * depth, "work for a chain of " + depth + " gates: " + work);
    }
  }
}
