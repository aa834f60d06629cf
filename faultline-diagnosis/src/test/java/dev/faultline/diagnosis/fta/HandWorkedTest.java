package dev.faultline.diagnosis.fta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import java.math.BigInteger;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Small trees whose answers are worked out by hand in the comments. */
class HandWorkedTest {
  private static final double EPS = 1e-15;

  static String mef(String gates, String data) {
    return "<?xml version=\"1.0\"?>\n<opsa-mef>\n<define-fault-tree name=\"ft\">\n" + gates
        + "</define-fault-tree>\n<model-data>\n" + data + "</model-data>\n</opsa-mef>\n";
  }

  static String be(String name, double p) {
    return "<define-basic-event name=\"" + name + "\"><float value=\"" + p + "\"/></define-basic-event>\n";
  }

  static FaultTreeResult run(String xml) {
    return FaultTreeAnalysis.builder(MefReader.parse("test.xml", xml)).build().run();
  }

  static Set<String> sets(FaultTreeResult r) {
    return r.cutSets().map(c -> String.join(" ", c.events())).collect(Collectors.toSet());
  }

  static final String ABC = be("A", 0.1) + be("B", 0.2) + be("C", 0.3);

  @Test
  void orOfThree() {
    FaultTreeResult r = run(mef("<define-gate name=\"top\"><or><basic-event name=\"A\"/><basic-event name=\"B\"/>"
        + "<basic-event name=\"C\"/></or></define-gate>\n", ABC));
    // 1 - 0.9 * 0.8 * 0.7 = 0.496; rare event 0.6; MCUB = exact for disjoint singletons.
    assertEquals(0.496, r.probability(), EPS);
    assertEquals(0.6, r.rareEvent(), EPS);
    assertEquals(0.496, r.mcub(), 1e-15);
    assertEquals(BigInteger.valueOf(3), r.cutSetCount());
    assertEquals(List.of(BigInteger.valueOf(3)), r.orderDistribution());
    assertEquals(Set.of("A", "B", "C"), sets(r));
    // Birnbaum of A: P(top | A) - P(top | not A) = 1 - (1 - 0.8 * 0.7) = 0.56.
    Importance a = r.importance().stream().filter(i -> i.event().equals("A")).findFirst().orElseThrow();
    assertEquals(0.56, a.mif(), EPS);
    assertEquals(0.56 * 0.1 / 0.496, a.cif(), EPS);
    assertEquals(0.1 / 0.496, a.dif(), EPS); // P(top | A) = 1
    assertEquals(1 / 0.496, a.raw(), EPS);
    assertEquals(0.496 / 0.44, a.rrw(), 1e-12); // P(top | not A) = 1 - 0.8 * 0.7 = 0.44
    assertEquals(BigInteger.ONE, a.occurrence());
  }

  @Test
  void twoOutOfThree() {
    FaultTreeResult r = run(mef("<define-gate name=\"top\"><atleast min=\"2\"><basic-event name=\"A\"/>"
        + "<basic-event name=\"B\"/><basic-event name=\"C\"/></atleast></define-gate>\n", ABC));
    // ab + ac + bc - 2abc = 0.02 + 0.03 + 0.06 - 0.012 = 0.098.
    assertEquals(0.098, r.probability(), EPS);
    assertEquals(0.11, r.rareEvent(), EPS);
    // 1 - (1 - 0.02)(1 - 0.03)(1 - 0.06) = 1 - 0.893564 = 0.106436.
    assertEquals(0.106436, r.mcub(), 1e-15);
    assertEquals(Set.of("A B", "A C", "B C"), sets(r));
    assertEquals(List.of(BigInteger.ZERO, BigInteger.valueOf(3)), r.orderDistribution());
    Importance c = r.importance().stream().filter(i -> i.event().equals("C")).findFirst().orElseThrow();
    assertEquals(BigInteger.TWO, c.occurrence());
    // P(top | C) - P(top | not C) = (a + b - ab) - ab = 0.28 - 0.02 = 0.26.
    assertEquals(0.26, c.mif(), EPS);
  }

  @Test
  void exclusiveOrKeepsTheMonotonePart() {
    FaultTreeResult r = run(mef("<define-gate name=\"top\"><xor><basic-event name=\"A\"/><basic-event name=\"B\"/>"
        + "</xor></define-gate>\n", ABC));
    // a(1 - b) + b(1 - a) = 0.08 + 0.18 = 0.26; prime implicants A.~B and ~A.B give the cut sets {A} and {B}.
    assertEquals(0.26, r.probability(), EPS);
    assertEquals(Set.of("A", "B"), sets(r));
    Importance a = r.importance().stream().filter(i -> i.event().equals("A")).findFirst().orElseThrow();
    assertEquals(1 - 2 * 0.2, a.mif(), EPS); // P(top | A) = 1 - b, P(top | not A) = b
  }

  @Test
  void negationIsExactInProbabilityAndDroppedInCutSets() {
    FaultTreeResult r = run(mef("<define-gate name=\"top\"><and><basic-event name=\"A\"/><gate name=\"nb\"/></and>"
        + "</define-gate>\n<define-gate name=\"nb\"><not><basic-event name=\"B\"/></not></define-gate>\n", ABC));
    assertEquals(0.1 * 0.8, r.probability(), EPS);
    assertEquals(Set.of("A"), sets(r));
    Importance b = r.importance().stream().filter(i -> i.event().equals("B")).findFirst().orElseThrow();
    assertEquals(-0.1, b.mif(), EPS);
    assertEquals(BigInteger.ZERO, b.occurrence());
  }

  @Test
  void otherConnectives() {
    String ab = "<basic-event name=\"A\"/><basic-event name=\"B\"/>";
    // nand: 1 - ab; nor: (1 - a)(1 - b); iff: ab + (1 - a)(1 - b); imply A -> B: 1 - a(1 - b).
    assertEquals(1 - 0.02, run(mef("<define-gate name=\"t\"><nand>" + ab + "</nand></define-gate>", ABC))
        .probability(), EPS);
    assertEquals(0.72, run(mef("<define-gate name=\"t\"><nor>" + ab + "</nor></define-gate>", ABC)).probability(), EPS);
    assertEquals(0.02 + 0.72, run(mef("<define-gate name=\"t\"><iff>" + ab + "</iff></define-gate>", ABC))
        .probability(), EPS);
    assertEquals(1 - 0.1 * 0.8, run(mef("<define-gate name=\"t\"><imply>" + ab + "</imply></define-gate>", ABC))
        .probability(), EPS);
    // cardinality 1..1 of A, B, C: exactly one = 0.1*0.8*0.7 + 0.9*0.2*0.7 + 0.9*0.8*0.3 = 0.056 + 0.126 + 0.216.
    FaultTreeResult card = run(mef("<define-gate name=\"t\"><cardinality min=\"1\" max=\"1\">" + ab
        + "<basic-event name=\"C\"/></cardinality></define-gate>", ABC));
    assertEquals(0.398, card.probability(), 1e-15);
    assertEquals(Set.of("A", "B", "C"), sets(card));
    // A pass-through gate and a nested formula: top = g, g = A and (B or C).
    FaultTreeResult pass = run(mef("<define-gate name=\"t\"><gate name=\"g\"/></define-gate>"
        + "<define-gate name=\"g\"><and><basic-event name=\"A\"/><or><basic-event name=\"B\"/>"
        + "<basic-event name=\"C\"/></or></and></define-gate>", ABC));
    assertEquals(0.1 * (1 - 0.8 * 0.7), pass.probability(), EPS);
    assertEquals(Set.of("A B", "A C"), sets(pass));
  }

  @Test
  void houseEventsArePropagated() {
    String gates = "<define-gate name=\"top\"><or><basic-event name=\"A\"/><gate name=\"g\"/></or></define-gate>\n"
        + "<define-gate name=\"g\"><and><house-event name=\"H\"/><basic-event name=\"B\"/></and></define-gate>\n";
    FaultTreeResult off = run(mef(gates, ABC + "<define-house-event name=\"H\"><constant value=\"false\"/>"
        + "</define-house-event>\n"));
    assertEquals(0.1, off.probability(), EPS);
    assertEquals(Set.of("A"), sets(off));
    FaultTreeResult on = run(mef(gates, ABC + "<define-house-event name=\"H\"><constant value=\"true\"/>"
        + "</define-house-event>\n"));
    assertEquals(1 - 0.9 * 0.8, on.probability(), EPS);
    assertEquals(Set.of("A", "B"), sets(on));
    // A top that is constant true: one empty cut set, probability 1.
    FaultTreeResult always = run(mef("<define-gate name=\"top\"><or><house-event name=\"H\"/>"
        + "<basic-event name=\"A\"/></or></define-gate>\n", ABC + "<define-house-event name=\"H\"><constant "
        + "value=\"true\"/></define-house-event>\n"));
    assertEquals(1.0, always.probability());
    assertEquals(BigInteger.ONE, always.cutSetCount());
  }

  @Test
  void betaFactorCommonCause() {
    // A and B fail independently with (1 - beta) Q = 0.08 each, together with beta Q = 0.02.
    // top = A and B = [A B] or [A][B]: P = 0.02 + 0.98 * 0.0064 = 0.026272.
    String xml = "<?xml version=\"1.0\"?><opsa-mef><define-fault-tree name=\"ft\">"
        + "<define-gate name=\"top\"><and><basic-event name=\"A\"/><basic-event name=\"B\"/></and></define-gate>"
        + "<define-CCF-group name=\"pumps\" model=\"beta-factor\"><members><basic-event name=\"A\"/>"
        + "<basic-event name=\"B\"/></members><distribution><float value=\"0.1\"/></distribution>"
        + "<factor level=\"2\"><float value=\"0.2\"/></factor></define-CCF-group>"
        + "</define-fault-tree></opsa-mef>";
    FaultTreeResult r = run(xml);
    assertEquals(0.026272, r.probability(), 1e-15);
    assertEquals(Set.of("[A B]", "[A] [B]"), sets(r));
    assertEquals(0.02 + 0.0064, r.rareEvent(), 1e-15);
    assertEquals(List.of("[A]", "[A B]", "[B]").stream().sorted().toList(),
        r.basicEvents().stream().sorted().toList());
  }

  @Test
  void mglAndAlphaFactorCommonCause() {
    // Three members, Q = 0.1. MGL beta = 0.2, gamma = 0.5: Q1 = 0.8 Q = 0.08, Q2 = 0.2 * 0.5 Q / 2 = 0.005,
    // Q3 = 0.2 * 0.5 Q = 0.01. top = 2 of 3 members.
    String members = "<members><basic-event name=\"A\"/><basic-event name=\"B\"/><basic-event name=\"C\"/></members>"
        + "<distribution><float value=\"0.1\"/></distribution>";
    String top = "<define-gate name=\"top\"><atleast min=\"2\"><basic-event name=\"A\"/><basic-event name=\"B\"/>"
        + "<basic-event name=\"C\"/></atleast></define-gate>";
    FaultTreeResult mgl = run("<opsa-mef><define-fault-tree name=\"ft\">" + top
        + "<define-CCF-group name=\"g\" model=\"MGL\">" + members + "<factors><factor level=\"2\"><float value=\"0.2\"/>"
        + "</factor><factor level=\"3\"><float value=\"0.5\"/></factor></factors></define-CCF-group>"
        + "</define-fault-tree></opsa-mef>");
    // Cut sets: the three pair events, the triple, and the three pairs of independent events.
    assertEquals(Set.of("[A B]", "[A C]", "[B C]", "[A B C]", "[A] [B]", "[A] [C]", "[B] [C]"), sets(mgl));
    assertEquals(3 * 0.005 + 0.01 + 3 * 0.0064, mgl.rareEvent(), 1e-15);
    // Alpha-factor a1 = 0.9, a2 = 0.06, a3 = 0.04: at = 0.9 + 0.12 + 0.12 = 1.14;
    // Q1 = 1 * 0.9 / 1.14 * Q, Q2 = 2 / 2 * 0.06 / 1.14 * Q, Q3 = 3 * 0.04 / 1.14 * Q.
    FaultTreeResult alpha = run("<opsa-mef><define-fault-tree name=\"ft\">" + top
        + "<define-CCF-group name=\"g\" model=\"alpha-factor\">" + members + "<factors><factor level=\"1\">"
        + "<float value=\"0.9\"/></factor><factor level=\"2\"><float value=\"0.06\"/></factor><factor level=\"3\">"
        + "<float value=\"0.04\"/></factor></factors></define-CCF-group></define-fault-tree></opsa-mef>");
    double q1 = 0.9 / 1.14 * 0.1;
    double q2 = 0.06 / 1.14 * 0.1;
    double q3 = 0.12 / 1.14 * 0.1;
    assertEquals(3 * q2 + q3 + 3 * q1 * q1, alpha.rareEvent(), 1e-15);
  }

  @Test
  void missionTimeDrivesExponentialLaw() {
    String xml = mef("<define-gate name=\"top\"><or><basic-event name=\"A\"/><basic-event name=\"B\"/></or>"
        + "</define-gate>", "<define-parameter name=\"lambda\"><float value=\"1e-3\"/></define-parameter>"
        + "<define-basic-event name=\"A\"><exponential><parameter name=\"lambda\"/><system-mission-time/>"
        + "</exponential></define-basic-event>" + be("B", 0.0));
    FaultTreeModel m = MefReader.parse("t.xml", xml);
    assertEquals(-Math.expm1(-0.1), FaultTreeAnalysis.builder(m).missionTime(100).build().run().probability(), EPS);
    assertEquals(-Math.expm1(-8.76), FaultTreeAnalysis.builder(m).build().run().probability(), EPS);
  }

  @Test
  void limitsOnOrderAndProbability() {
    FaultTreeResult r = FaultTreeAnalysis.builder(MefReader.parse("t.xml", mef("<define-gate name=\"top\"><or>"
        + "<basic-event name=\"A\"/><and><basic-event name=\"B\"/><basic-event name=\"C\"/></and></or></define-gate>",
        ABC))).limitOrder(1).build().run();
    assertEquals(Set.of("A"), sets(r));
    assertEquals(0.1, r.rareEvent(), EPS);
    assertEquals(1 - 0.9 * 0.94, r.probability(), EPS); // the probability stays exact
    FaultTreeResult cut = FaultTreeAnalysis.builder(MefReader.parse("t.xml", mef("<define-gate name=\"top\"><or>"
        + "<basic-event name=\"A\"/><and><basic-event name=\"B\"/><basic-event name=\"C\"/></and></or></define-gate>",
        ABC))).cutOff(0.07).build().run();
    assertEquals(Set.of("A"), sets(cut)); // P(B C) = 0.06 < 0.07
    assertEquals(BigInteger.ONE, cut.cutSetCount());
  }

  @Test
  void liveEvaluationNamesFailedGatesAndNearlyCompleteCutSets() {
    FaultTreeResult r = run(mef("<define-gate name=\"top\"><or><basic-event name=\"A\"/><gate name=\"g\"/></or>"
        + "</define-gate><define-gate name=\"g\"><and><basic-event name=\"B\"/><basic-event name=\"C\"/></and>"
        + "</define-gate>", ABC));
    LiveEvaluation none = r.evaluate(List.of(), 10);
    assertFalse(none.topFailed());
    assertEquals(BigInteger.ZERO, none.completeCount());
    assertEquals(BigInteger.ONE, none.oneAwayCount()); // {A}
    LiveEvaluation b = r.evaluate(List.of("B"), 10);
    assertFalse(b.topFailed());
    assertEquals(BigInteger.TWO, b.oneAwayCount()); // {A} and {B C}
    assertTrue(b.oneAway().stream().anyMatch(o -> o.missing().equals("C")));
    LiveEvaluation bc = r.evaluate(List.of("B", "C"), 10);
    assertTrue(bc.topFailed());
    assertEquals(List.of("top", "g"), bc.failedGates());
    assertEquals(BigInteger.ONE, bc.completeCount());
    assertEquals(List.of("B", "C"), bc.complete().get(0).events());
    assertThrows(IllegalArgumentException.class, () -> r.evaluate(List.of("nope"), 10));
  }

  /**
   * An event of probability 0 does not hide cut sets when there is no cut-off: top = A and M1 and M2, M1 = (a1 or ...
   * or a65) and (b1 or ... or b65) (4225 sets, a module too large to be listed once) and M2 = c1 or c2, so 8450 cut
   * sets. With P(A) = 0 the enumeration gave the large module a probability limit of infinity (0 / 0 read as "nothing
   * left can reach the cut-off") and listed none of them, while counting 8450.
   */
  @Test
  void anEventOfProbabilityZeroHidesNoCutSets() {
    FaultTreeModel.Builder b = FaultTreeModel.builder();
    List<Formula> x = new java.util.ArrayList<>();
    List<Formula> y = new java.util.ArrayList<>();
    for (int i = 0; i < 65; i++) {
      b.addBasicEvent(BasicEvent.of("a" + i, 0.01)).addBasicEvent(BasicEvent.of("b" + i, 0.01));
      x.add(Formula.basic("a" + i));
      y.add(Formula.basic("b" + i));
    }
    b.addBasicEvent(BasicEvent.of("A", 0)).addBasicEvent(BasicEvent.of("c1", 0.1))
        .addBasicEvent(BasicEvent.of("c2", 0.1));
    b.addFaultTree(new FaultTree("t", List.of(
        Gate.of("top", Formula.Operation.of(Connective.AND, Formula.basic("A"), Formula.gate("m1"),
            Formula.gate("m2"))),
        Gate.of("m1", Formula.Operation.of(Connective.AND, Formula.gate("x"), Formula.gate("y"))),
        Gate.of("x", Formula.Operation.of(Connective.OR, x.toArray(Formula[]::new))),
        Gate.of("y", Formula.Operation.of(Connective.OR, y.toArray(Formula[]::new))),
        Gate.of("m2", Formula.Operation.of(Connective.OR, Formula.basic("c1"), Formula.basic("c2")))), List.of()));
    FaultTreeResult r = FaultTreeAnalysis.builder(b.build()).build().run();

    assertEquals(BigInteger.valueOf(8450), r.cutSetCount());
    assertEquals(8450, r.cutSets().count());
    assertTrue(r.cutSets().allMatch(c -> c.events().size() == 4 && c.events().contains("A") && c.probability() == 0));
  }

  /**
   * A top event that cannot occur (P(top) = 0) has no ratio to report: failing an event that would make the top
   * possible raises the risk without bound (RAW infinite, not 0, which would say it removes the risk), and an event
   * that changes nothing has RAW and RRW 1 (not an infinite RRW, which would say removing it removes all risk).
   */
  @Test
  void importanceWhenTheTopCannotOccur() {
    // top = A and B with P(A) = 0: P(top) = 0; P(top | A) = P(B) = 0.5, P(top | not A) = 0.
    FaultTreeResult r = run(mef("<define-gate name=\"top\"><and><basic-event name=\"A\"/><basic-event name=\"B\"/>"
        + "</and></define-gate>", be("A", 0) + be("B", 0.5)));
    assertEquals(0, r.probability());
    Importance a = r.importance().stream().filter(i -> i.event().equals("A")).findFirst().orElseThrow();
    assertEquals(0.5, a.mif(), EPS);
    assertEquals(Double.POSITIVE_INFINITY, a.raw()); // P(top | A) / P(top) = 0.5 / 0
    assertEquals(1, a.rrw()); // P(top) / P(top | not A) = 0 / 0: removing A changes nothing
    // CIF and DIF are shares of P(top) = 0: 0 / 0, undefined (they were reported as 0, "no share").
    assertEquals(Double.NaN, a.cif());
    assertEquals(Double.NaN, a.dif());
    // B: P(top | B) = P(A) = 0 = P(top | not B): B changes nothing either way.
    Importance b = r.importance().stream().filter(i -> i.event().equals("B")).findFirst().orElseThrow();
    assertEquals(0, b.mif(), EPS);
    assertEquals(1, b.raw());
    assertEquals(1, b.rrw());
    assertEquals(Double.NaN, b.cif());
    assertEquals(Double.NaN, b.dif());
    // A constant false top: nothing matters.
    FaultTreeResult never = run(mef("<define-gate name=\"top\"><and><constant value=\"false\"/>"
        + "<basic-event name=\"A\"/></and></define-gate>", be("A", 0.1)));
    Importance n = never.importance().get(0);
    assertEquals(1, n.raw());
    assertEquals(1, n.rrw());
    assertEquals(Double.NaN, n.cif());
    assertEquals(Double.NaN, n.dif());
  }

  /**
   * A chain of gates deeper than a small stack holds: the analysis builds it on a large stack of its own, and so must
   * the live evaluation (which walked the gates recursively on the caller's stack and overflowed it). The caller here
   * is a thread with a 256 KiB stack, so that the test does not depend on the default stack size.
   */
  @Test
  void liveEvaluationOfADeepChainOfGates() throws InterruptedException {
    int depth = 3_000;
    FaultTreeModel chain = Chains.chain(depth);
    FaultTreeResult r = FaultTreeAnalysis.builder(chain).top("g0").build().run();
    Object[] out = new Object[1];
    Thread caller = new Thread(null, () -> {
      try {
        out[0] = r.evaluate(List.of("e" + (depth - 1)), 2);
      } catch (Throwable t) {
        out[0] = t;
      }
    }, "small-stack", 256 * 1024);
    caller.start();
    caller.join();

    if (out[0] instanceof Throwable t) {
      throw new AssertionError("evaluate() failed on a chain of " + depth + " gates", t);
    }
    LiveEvaluation live = (LiveEvaluation) out[0];
    // The deepest event fails the deepest gate and, through the ORs, every gate above it.
    assertTrue(live.topFailed());
    assertEquals(depth, live.failedGates().size());
    assertEquals(BigInteger.ONE, live.completeCount());
    assertEquals(List.of("e" + (depth - 1)), live.complete().get(0).events());
  }

  /** Runs {@code work} on a thread with a 256 KiB stack and returns what it returned or threw. */
  private static Object onSmallStack(java.util.function.Supplier<Object> work) throws InterruptedException {
    Object[] out = new Object[1];
    Thread caller = new Thread(null, () -> {
      try {
        out[0] = work.get();
      } catch (Throwable t) {
        out[0] = t;
      }
    }, "small-stack", 256 * 1024);
    caller.start();
    caller.join();
    return out[0];
  }

  /**
   * The cut sets of deep trees are listed on the caller's stack, a small one here: the enumeration computes its
   * bounds (ensure) and the sizes of module families (cappedCount) with stacks of its own. A chain of 10,000 gates
   * overflowed a 256 KiB stack in ensure, and the first sets of a nest of 300 products in cappedCount.
   */
  @Test
  void theCutSetsOfDeepTreesAreListedOnASmallStack() throws InterruptedException {
    FaultTreeResult chain = FaultTreeAnalysis.builder(Chains.chain(10_000)).top("g0").build().run();
    Object count = onSmallStack(() -> chain.cutSets().count());
    if (count instanceof Throwable t) {
      throw new AssertionError("listing a chain of 10,000 gates failed", t);
    }
    assertEquals(10_000L, count);

    FaultTreeResult nest = FaultTreeAnalysis.builder(Chains.products(300)).top("g0").build().run();
    Object largest = onSmallStack(() -> nest.cutSets().limit(200).mapToInt(c -> c.events().size()).max()
        .getAsInt());
    if (largest instanceof Throwable t) {
      throw new AssertionError("listing a nest of 300 products failed", t);
    }
    assertEquals(200, largest, "the 200th set reaches 199 products down");
  }

  /**
   * The order of a listing, as the enumeration gave it when each nested iterator called the next (before they became
   * steps of one loop): depth first, the high branch of a ZBDD node before its low one, and in a product the last
   * module turning fastest.
   */
  @Test
  void aNestOfProductsIsListedInItsOrder() {
    FaultTreeResult cuts = FaultTreeAnalysis.builder(Chains.products(4)).top("g0").build().run();
    assertEquals("c0, a0 c1, a0 a1 c2, a0 a1 a2 c3, a0 a1 a2 a3 z, a0 a1 a2 b3 z, a0 a1 b2 c3, a0 a1 a3 b2 z,"
        + " a0 a1 b2 b3 z, a0 b1 c2, a0 a2 b1 c3, a0 a2 a3 b1 z, a0 a2 b1 b3 z, a0 b1 b2 c3, a0 a3 b1 b2 z,"
        + " a0 b1 b2 b3 z, b0 c1, a1 b0 c2, a1 a2 b0 c3, a1 a2 a3 b0 z, a1 a2 b0 b3 z, a1 b0 b2 c3, a1 a3 b0 b2 z,"
        + " a1 b0 b2 b3 z, b0 b1 c2, a2 b0 b1 c3, a2 a3 b0 b1 z, a2 b0 b1 b3 z, b0 b1 b2 c3, a3 b0 b1 b2 z,"
        + " b0 b1 b2 b3 z", cuts.cutSets().map(c -> String.join(" ", c.events())).collect(Collectors.joining(", ")));
    FaultTreeResult primes = FaultTreeAnalysis.builder(Chains.products(3)).top("g0").primeImplicants(true).build()
        .run();
    assertEquals("c0, a0 c1, a0 a1 c2, a0 a1 a2 z, a0 a1 b2 z, a0 b1 c2, a0 a2 b1 z, a0 b1 b2 z, b0 c1, a1 b0 c2,"
        + " a1 a2 b0 z, a1 b0 b2 z, b0 b1 c2, a2 b0 b1 z, b0 b1 b2 z", primes.primeImplicants()
        .map(p -> p.literals().stream().map(Literal::event).collect(Collectors.joining(" ")))
        .collect(Collectors.joining(", ")));
  }

  /**
   * Products of modules nesting 5,000 deep are listed on a small stack too. Each product of modules nested one
   * iterator in another, on the caller's stack, so that a nest of about a thousand products needed
   * {@link FaultTreeAnalysis#onLargeStack}; they run on the enumeration's own stack now. The first sets of this nest
   * go through every product down to the bottom, and only those are listed: the stream stays lazy.
   */
  @Test
  void productsOfModulesNestedThousandsDeepAreListedOnASmallStack() throws InterruptedException {
    int depth = 5_000;
    FaultTreeModel nest = Chains.bottomFirstProducts(depth);
    // a0 b0 .. a4999 b4999 with the first sets of the bottom: x0 .. x12, then y12 for x12, then y11 for x11.
    List<Set<String>> expected = new java.util.ArrayList<>();
    for (String bottom : List.of("", "y12", "y11")) {
      Set<String> s = new java.util.HashSet<>();
      for (int i = 0; i < depth; i++) {
        s.add("a" + i);
        s.add("b" + i);
      }
      for (int j = 0; j < 13; j++) {
        s.add(bottom.equals("y" + j) ? bottom : "x" + j);
      }
      expected.add(s);
    }

    FaultTreeResult cuts = FaultTreeAnalysis.builder(nest).top("g0").build().run();
    assertEquals(BigInteger.valueOf(depth + 8192), cuts.cutSetCount());
    Object listed = onSmallStack(() -> cuts.cutSets().limit(3).map(c -> Set.copyOf(c.events())).toList());
    if (listed instanceof Throwable t) {
      throw new AssertionError("listing a nest of " + depth + " products failed", t);
    }
    assertEquals(expected, listed);

    FaultTreeResult primes = FaultTreeAnalysis.builder(nest).top("g0").primeImplicants(true).build().run();
    Object implicants = onSmallStack(() -> primes.primeImplicants().limit(3)
        .map(p -> p.literals().stream().map(l -> (l.negated() ? "not " : "") + l.event()).collect(Collectors.toSet()))
        .toList());
    if (implicants instanceof Throwable t) {
      throw new AssertionError("listing the prime implicants of a nest of " + depth + " products failed", t);
    }
    assertEquals(expected, implicants);
  }

  @Test
  void settingsAreChecked() {
    FaultTreeModel m = MefReader.parse("t.xml", mef("<define-gate name=\"a\"><basic-event name=\"A\"/></define-gate>"
        + "<define-gate name=\"b\"><basic-event name=\"B\"/></define-gate>", ABC));
    ConfigurationException two = assertThrows(ConfigurationException.class, () -> FaultTreeAnalysis.builder(m).build());
    assertTrue(two.getMessage().contains("[a, b]"), two.getMessage());
    assertEquals(0.2, FaultTreeAnalysis.builder(m).top("b").build().run().probability(), EPS);
    assertThrows(ConfigurationException.class, () -> FaultTreeAnalysis.builder(m).top("zz").build());
    assertThrows(ConfigurationException.class, () -> FaultTreeAnalysis.builder(m).top("a").limitOrder(0).build());
    assertThrows(ConfigurationException.class, () -> FaultTreeAnalysis.builder(m).top("a").cutOff(2).build());
    assertThrows(ConfigurationException.class, () -> FaultTreeAnalysis.builder(m).top("a").missionTime(-1).build());
  }
}
