package dev.faultline.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Clock;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code faultline fta} run in-process on a small model whose answers are worked out by hand. */
class FtaCommandTest {
  // valve: 1 - exp(-1e-5 * 8760) = 0.083958...; top = valve or (A and B), A = 0.1, B = 0.2.
  private static final double VALVE = -Math.expm1(-1e-5 * 8760);
  private static final double TOP = 1 - (1 - VALVE) * (1 - 0.02);

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return run(Clock.system(), args);
  }

  private int run(Clock clock, String... args) {
    CommandLine line = FaultlineCommand.newCommandLine();
    FtaCommand fta = line.getSubcommands().get("fta").getCommand();
    fta.clock = clock;
    line.setOut(new PrintWriter(out));
    line.setErr(new PrintWriter(err));
    return line.execute(args);
  }

  private static String model() throws URISyntaxException {
    return Path.of(FtaCommandTest.class.getResource("/fta/pumps.xml").toURI()).toString();
  }

  private static double number(String json, String field) {
    Matcher m = Pattern.compile("\"" + field + "\":([-0-9.Ee]+)").matcher(json);
    assertTrue(m.find(), field + " in " + json);
    return Double.parseDouble(m.group(1));
  }

  @Test
  void jsonHasTheFiguresAndTheCutSets() throws Exception {
    assertEquals(0, run("fta", model(), "--json", "--cut-sets"), err.toString());
    String json = out.toString().trim();
    assertTrue(json.startsWith("{\"top\":\"top\",") && json.endsWith("}"), json);
    assertEquals(TOP, number(json, "probability"), 1e-15);
    assertEquals(VALVE + 0.02, number(json, "rareEvent"), 1e-15);
    assertEquals(1 - (1 - VALVE) * 0.98, number(json, "mcub"), 1e-15);
    assertEquals(3, number(json, "basicEvents"));
    assertEquals(2, number(json, "cutSetCount"));
    assertTrue(json.contains("\"orderDistribution\":[1,1]"), json);
    assertTrue(json.contains("{\"events\":[\"valve\"],\"probability\":" + VALVE + "}"), json);
    assertTrue(json.contains("{\"events\":[\"pumpA\",\"pumpB\"],\"probability\":" + (0.1 * 0.2) + "}"), json);
  }

  @Test
  void optionsReachTheAnalysis() throws Exception {
    assertEquals(0, run("fta", model(), "--json", "--mission-time", "100", "--limit-order", "1", "--importance",
        "--failed", "pumpA"), err.toString());
    String json = out.toString();
    double valve = -Math.expm1(-1e-3);
    assertEquals(1 - (1 - valve) * 0.98, number(json, "probability"), 1e-15);
    assertEquals(1, number(json, "cutSetCount"));
    assertTrue(json.contains("{\"event\":\"valve\",\"probability\":" + valve + ",\"occurrence\":1,\"mif\":0.98,"), json);
    assertTrue(json.contains("\"topFailed\":false"), json);
    assertTrue(json.contains("\"oneAwayCount\":1"), json); // {valve}; {pumpA, pumpB} is beyond the order limit
  }

  @Test
  void textReport() throws Exception {
    assertEquals(0, run("fta", model(), "--cut-sets", "--failed", "pumpA,pumpB"), err.toString());
    String text = out.toString();
    assertTrue(text.contains("minimal cut sets:     2"), text);
    assertTrue(text.contains("by order:             1:1 2:1"), text);
    assertTrue(text.contains("top event failed:     yes"), text);
    assertTrue(text.contains("failed gates:         top pumps"), text);
    assertTrue(text.contains("{pumpA, pumpB}"), text);
  }

  @Test
  void primeImplicantsAreListedWithTheirNegations(@TempDir Path dir) throws IOException {
    // top = A xor B: prime implicants A.~B (0.1 * 0.8) and ~A.B (0.9 * 0.2).
    Path xor = dir.resolve("xor.xml");
    Files.writeString(xor, "<opsa-mef><define-fault-tree name=\"t\"><define-gate name=\"top\"><xor>"
        + "<basic-event name=\"A\"/><basic-event name=\"B\"/></xor></define-gate></define-fault-tree><model-data>"
        + "<define-basic-event name=\"A\"><float value=\"0.1\"/></define-basic-event>"
        + "<define-basic-event name=\"B\"><float value=\"0.2\"/></define-basic-event></model-data></opsa-mef>");
    assertEquals(0, run("fta", xor.toString(), "--json", "--prime-implicants"), err.toString());
    String json = out.toString();
    assertEquals(2, number(json, "primeImplicantCount"));
    assertTrue(!json.contains("cutSetCount") && json.contains("\"orderDistribution\":[0,2]"), json);
    assertTrue(json.contains("\"primeImplicants\":[{\"literals\":[{\"event\":\"A\",\"negated\":false},"
        + "{\"event\":\"B\",\"negated\":true}],\"probability\":" + (0.1 * 0.8) + "},"), json);
    assertTrue(json.contains("{\"literals\":[{\"event\":\"A\",\"negated\":true},{\"event\":\"B\",\"negated\":false}],"
        + "\"probability\":" + (0.9 * (0.2)) + "}]"), json);
    out.getBuffer().setLength(0);
    assertEquals(0, run("fta", xor.toString(), "--prime-implicants", "--cut-off", "0.1"), err.toString());
    String text = out.toString();
    assertTrue(text.contains("prime implicants:     1") && text.contains("0.180000 {not A, B}")
        && !text.contains("{A, not B}"), text);
    assertEquals(2, run("fta", xor.toString(), "--prime-implicants", "--failed", "A"));
    assertTrue(err.toString().contains("cannot be combined with --prime-implicants"), err.toString());
  }

  @Test
  void invalidModelIsAnErrorNamingFileAndLine(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("bad.xml");
    Files.writeString(bad, "<opsa-mef>\n<define-fault-tree name=\"t\">\n<define-gate name=\"g\">\n"
        + "<gate name=\"nowhere\"/>\n</define-gate>\n</define-fault-tree>\n</opsa-mef>\n");
    assertEquals(1, run("fta", bad.toString()));
    assertTrue(err.toString().contains(bad + ":4: <gate name=\"nowhere\">: undefined gate \"nowhere\""),
        err.toString());
  }

  /**
   * A --top that is not a gate and a --failed that is not a basic event are usage errors naming the option (exit 2);
   * they were exit 1 naming the builder's field ("top must name a gate of the model") or no option at all.
   */
  @Test
  void badOptionValuesAreRejected(@TempDir Path dir) throws Exception {
    assertEquals(2, run("fta", model(), "--top", "nosuch"), err.toString());
    assertTrue(err.toString().startsWith("--top must name a gate of the model, but was \"nosuch\""), err.toString());
    err.getBuffer().setLength(0);
    assertEquals(2, run("fta", model(), "--failed", "nosuch"), err.toString());
    assertTrue(err.toString().startsWith("--failed: \"nosuch\" is not a basic event"), err.toString());
    err.getBuffer().setLength(0);
    Path twoTops = dir.resolve("two-tops.xml");
    Files.writeString(twoTops, "<opsa-mef><define-fault-tree name=\"t\"><define-gate name=\"g1\"><or><basic-event"
        + " name=\"A\"/><basic-event name=\"B\"/></or></define-gate><define-gate name=\"g2\"><and><basic-event"
        + " name=\"A\"/><basic-event name=\"B\"/></and></define-gate></define-fault-tree><model-data>"
        + "<define-basic-event name=\"A\"><float value=\"0.1\"/></define-basic-event><define-basic-event"
        + " name=\"B\"><float value=\"0.2\"/></define-basic-event></model-data></opsa-mef>");
    assertEquals(2, run("fta", twoTops.toString()), err.toString());
    assertTrue(err.toString().startsWith("--top must name the gate to analyse when the model has several top gates"),
        err.toString());
    assertTrue(err.toString().contains("but was not given"), err.toString());
    assertEquals(2, run("fta"));
  }

  /** A clock one hour later at every reading: any analysis polls it past a timeout shorter than that. */
  private static final class HourPerReadingClock implements Clock {
    private final AtomicLong readings = new AtomicLong();

    @Override
    public long nanoTime() {
      return Duration.ofHours(readings.getAndIncrement()).toNanos();
    }

    @Override
    public long wallMillis() {
      return 0;
    }

    @Override
    public void sleep(long nanos) {
      throw new UnsupportedOperationException("fta never sleeps");
    }
  }

  @Test
  void aTimeoutStopsTheAnalysisAndPrintsNoResults() throws Exception {
    assertEquals(1, run(new HourPerReadingClock(), "fta", model(), "--json", "--cut-sets", "--timeout", "30m"),
        err.toString());
    assertEquals("", out.toString(), "no partial results");
    String line = err.toString().lines().filter(l -> l.contains("--timeout")).findFirst().orElse(err.toString());
    assertTrue(line.startsWith("fta: the analysis of top gate \"top\" ran longer than --timeout 30m and was stopped"
        + " after ") && line.endsWith("; no results (analysis-timed-out)"), err.toString());
  }

  @Test
  void withoutATimeoutOrWithAnUnreachedOneTheAnalysisFinishes() throws Exception {
    assertEquals(0, run(new HourPerReadingClock(), "fta", model(), "--json"), err.toString());
    assertEquals(TOP, number(out.toString(), "probability"), 1e-15);
    out.getBuffer().setLength(0);
    assertEquals(0, run(new HourPerReadingClock(), "fta", model(), "--json", "--timeout", "1000d"), err.toString());
    assertEquals(TOP, number(out.toString(), "probability"), 1e-15);
  }

  /** top = A and B with P(A) = 0: the top cannot occur. */
  private static Path impossibleTop(Path dir) throws IOException {
    return Files.writeString(dir.resolve("never.xml"), "<opsa-mef><define-fault-tree name=\"t\">"
        + "<define-gate name=\"top\"><and><basic-event name=\"A\"/><basic-event name=\"B\"/></and></define-gate>"
        + "</define-fault-tree><model-data><define-basic-event name=\"A\"><float value=\"0\"/></define-basic-event>"
        + "<define-basic-event name=\"B\"><float value=\"0.5\"/></define-basic-event></model-data></opsa-mef>");
  }

  /**
   * When the top cannot occur, CIF and DIF (shares of P(top) = 0, so 0 / 0) are printed as undefined and written as
   * null in JSON, as RAW's infinity is; they were 0, which says the event has no share in a risk.
   */
  @Test
  void cifAndDifAreUndefinedWhenTheTopCannotOccur(@TempDir Path dir) throws Exception {
    Path model = impossibleTop(dir);
    assertEquals(0, run("fta", model.toString(), "--importance"), err.toString());
    String text = out.toString();
    Matcher a = Pattern.compile("(?m)^A +(\\S+) +(\\S+) +(\\S+) +(\\S+) +(\\S+) +(\\S+) +(\\S+)$").matcher(text);
    assertTrue(a.find(), text);
    assertEquals("0.50000", a.group(3), "MIF: " + text);
    assertEquals("undefined", a.group(4), "CIF: " + text);
    assertEquals("undefined", a.group(5), "DIF: " + text);
    assertEquals("Infinity", a.group(6), "RAW: " + text);
    assertTrue(!text.contains("NaN"), text);

    out.getBuffer().setLength(0);
    assertEquals(0, run("fta", model.toString(), "--importance", "--json"), err.toString());
    String json = out.toString();
    assertTrue(json.contains("{\"event\":\"A\",\"probability\":0.0,\"occurrence\":1,\"mif\":0.5,\"cif\":null,"
        + "\"dif\":null,\"raw\":\"Infinity\",\"rrw\":1.0}"), json);
    assertTrue(json.contains("\"mif\":0.0,\"cif\":null,\"dif\":null,\"raw\":1.0,\"rrw\":1.0}"), json);
  }

  /**
   * A value out of its range is a usage error naming the option as typed (exit 2, as for --timeout), refused before
   * the model is read; it was exit 1 naming the builder's field ("cutOff must lie in [0, 1]").
   */
  @Test
  void outOfRangeValuesAreUsageErrorsNamingTheOption(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("missing.xml");
    String[][] cases = {{"--cut-off", "7", "--cut-off must lie in [0, 1], but was 7"},
        {"--cut-off", "NaN", "--cut-off must lie in [0, 1], but was NaN"},
        {"--limit-order", "0", "--limit-order must be at least 1, but was 0"},
        {"--mission-time", "-1", "--mission-time must be a finite number of hours >= 0, but was -1"},
        {"--mission-time", "Infinity", "--mission-time must be a finite number of hours >= 0, but was Infinity"}};
    for (String[] c : cases) {
      err.getBuffer().setLength(0);
      assertEquals(2, run("fta", missing.toString(), c[0], c[1]), c[0] + " " + c[1] + ": " + err);
      assertTrue(err.toString().startsWith(c[2]), err.toString());
    }
    assertEquals("", out.toString());
  }

  /**
   * The cut sets of a deep tree, which the analysis handles on its own large stack, are listed without overflowing the
   * caller's: listing walks the nested modules recursively (a chain of 1000 gates died with a StackOverflowError and
   * its stack trace). The command runs on a thread with a 160 KiB stack, so the test does not depend on the default.
   */
  @Test
  void theCutSetsOfADeepTreeAreListed(@TempDir Path dir) throws Exception {
    int depth = 1000;
    StringBuilder xml = new StringBuilder("<opsa-mef><define-fault-tree name=\"chain\">\n");
    for (int g = 0; g < depth; g++) {
      xml.append("<define-gate name=\"g").append(g).append("\"><or><basic-event name=\"e").append(g)
          .append("\"/><gate name=\"g").append(g + 1).append("\"/></or></define-gate>\n");
    }
    xml.append("<define-gate name=\"g").append(depth).append("\"><basic-event name=\"e").append(depth)
        .append("\"/></define-gate>\n</define-fault-tree>\n<model-data>\n");
    for (int g = 0; g <= depth; g++) {
      xml.append("<define-basic-event name=\"e").append(g).append("\"><float value=\"0.001\"/></define-basic-event>\n");
    }
    Path chain = dir.resolve("chain.xml");
    Files.writeString(chain, xml.append("</model-data></opsa-mef>\n"));
    int[] exit = {-1};
    Throwable[] died = new Throwable[1];
    Thread caller = new Thread(null, () -> {
      try {
        exit[0] = run("fta", chain.toString(), "--json", "--cut-sets");
      } catch (Throwable t) {
        died[0] = t;
      }
    }, "small-stack", 160 * 1024);
    caller.start();
    caller.join();

    if (died[0] != null) {
      throw new AssertionError("fta --cut-sets died on a chain of " + depth + " gates", died[0]);
    }
    String error = err.toString();
    assertEquals(0, exit[0], error.substring(0, Math.min(error.length(), 2000)));
    String json = out.toString();
    assertEquals(depth + 1, number(json, "cutSetCount"));
    assertEquals(depth + 1, json.split("\\{\"events\":").length - 1);
  }

  @Test
  void aBadTimeoutIsRefusedNamingTheOption() throws Exception {
    assertEquals(2, run("fta", model(), "--timeout", "0s"));
    assertTrue(err.toString().contains("--timeout must be a positive duration, but was 0s"), err.toString());
    assertEquals(2, run("fta", model(), "--timeout", "soon"));
    assertTrue(err.toString().contains("--timeout") && err.toString().contains("'soon' is not a duration"),
        err.toString());
    assertEquals("", out.toString());
  }
}
