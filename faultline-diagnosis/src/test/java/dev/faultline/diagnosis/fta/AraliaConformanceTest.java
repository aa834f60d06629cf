package dev.faultline.diagnosis.fta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every model of the Aralia benchmark set gives SCRAM's and XFTA's answers (expected.csv): the number of minimal cut
 * sets, their order distribution, and the exact, rare-event and MCUB probabilities to the 6 printed digits. The
 * slowest models (3 to 7 s each on one core) run only with {@code -Dfaultline.heavy=true}.
 */
class AraliaConformanceTest {
  /** Models that take more than about 3 s: run with -Dfaultline.heavy=true. */
  static final Set<String> HEAVY = Set.of("cea9601", "edf9203", "edfpa14b", "edfpa14r");

  static Stream<Arguments> models() throws IOException {
    Path dir = SharedData.folder() == null ? null : SharedData.folder().resolve("fault-trees/aralia");
    if (dir == null || !Files.exists(dir.resolve("expected.csv"))) {
      return Stream.of(Arguments.of("(no data)", null));
    }
    List<Arguments> out = new ArrayList<>();
    List<String> lines = Files.readAllLines(dir.resolve("expected.csv"));
    for (String line : lines.subList(1, lines.size())) {
      if (!line.isBlank()) {
        out.add(Arguments.of(line.substring(0, line.indexOf(',')), line));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void matchesExpected(String model, String line) {
    Path dir = SharedData.require("fault-trees/aralia");
    assumeTrue(line != null, "skipped: expected.csv not found");
    assumeTrue(SharedData.heavy() || !HEAVY.contains(model),
        () -> "skipped: " + model + " is a heavy model; run with -Dfaultline.heavy=true");
    String[] f = line.split(",", -1);
    FaultTreeResult r = FaultTreeAnalysis.builder(MefReader.read(dir.resolve(model + ".xml"))).build().run();

    assertEquals(Integer.parseInt(f[1]), r.basicEvents().size(), "basic events");
    assertEquals(new BigInteger(f[2]), r.cutSetCount(), "cut-set count");
    List<BigInteger> expectedOrders = Arrays.stream(f[3].trim().split(" ")).map(BigInteger::new)
        .collect(Collectors.toCollection(ArrayList::new));
    // expected.csv starts at order 1 and may end in zeros; ours ends at the highest non-empty order.
    while (expectedOrders.get(expectedOrders.size() - 1).signum() == 0) {
      expectedOrders.remove(expectedOrders.size() - 1);
    }
    assertEquals(expectedOrders, r.orderDistribution(), "order distribution");
    assertSixDigits(f[4], r.probability(), "exact probability");
    assertSixDigits(f[5], r.rareEvent(), "rare-event approximation");
    if (!f[6].isBlank() && !sixDigits(f[6], r.mcub())) {
      // SCRAM multiplies the factors (1 - P(cut set)) in doubles; with many tiny cut-set probabilities its round-off
      // reaches the 6th digit (das9205: 17280 factors of 1 - 1e-12). Prove that the expected value is exactly that
      // round-off, and that ours agrees with the product computed in 40-digit decimal arithmetic.
      double naive = 1;
      BigDecimal exact = BigDecimal.ONE;
      MathContext mc = new MathContext(40);
      for (CutSet cs : (Iterable<CutSet>) r.cutSets()::iterator) {
        naive *= 1 - cs.probability();
        exact = exact.multiply(BigDecimal.ONE.subtract(new BigDecimal(cs.probability()), mc), mc);
      }
      assertSixDigits(f[6], 1 - naive, "SCRAM's MCUB round-off");
      assertSixDigits(BigDecimal.ONE.subtract(exact).round(new MathContext(6)).toString(), r.mcub(), "MCUB (exact)");
    }
  }

  static boolean sixDigits(String expected, double actual) {
    return new BigDecimal(expected.trim()).compareTo(new BigDecimal(actual).round(new MathContext(6))) == 0;
  }

  static void assertSixDigits(String expected, double actual, String what) {
    if (expected.isBlank()) {
      return;
    }
    BigDecimal want = new BigDecimal(expected.trim());
    BigDecimal got = new BigDecimal(actual).round(new MathContext(6));
    assertEquals(0, want.compareTo(got), what + ": expected " + expected + " but was " + actual);
  }
}
