package dev.faultline.diagnosis.fta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MEF reader: combined files, every error names file, line and element, and the writer round-trips. */
class MefReaderTest {

  static MefException error(String xml) {
    return assertThrows(MefException.class, () -> MefReader.parse("bad.xml", xml));
  }

  static void assertNames(MefException e, int line, String element, String words) {
    String m = e.getMessage();
    assertTrue(m.startsWith("bad.xml:" + line + ": "), m);
    assertTrue(m.contains(element), m);
    assertTrue(m.contains(words), m);
    assertEquals("invalid-fault-tree", e.code());
    assertEquals(line, e.location().line());
  }

  @Test
  void malformedXmlNamesTheLine() {
    MefException e = error("<opsa-mef>\n<define-fault-tree name=\"t\">\n<define-gate name=\"g\">\n</opsa-mef>\n");
    assertTrue(e.getMessage().startsWith("bad.xml:4: XML: malformed XML"), e.getMessage());
  }

  @Test
  void undefinedEventNamesTheReference() {
    MefException e = error("<opsa-mef>\n<define-fault-tree name=\"t\">\n<define-gate name=\"g\">\n<or>\n"
        + "<basic-event name=\"A\"/>\n<gate name=\"missing\"/>\n</or>\n</define-gate>\n</define-fault-tree>\n"
        + "<model-data><define-basic-event name=\"A\"/></model-data></opsa-mef>");
    assertNames(e, 6, "<gate name=\"missing\">", "undefined gate \"missing\"");
  }

  @Test
  void wrongKindOfReference() {
    MefException e = error("<opsa-mef>\n<define-fault-tree name=\"t\">\n<define-gate name=\"g\">\n"
        + "<gate name=\"A\"/>\n</define-gate>\n</define-fault-tree>\n"
        + "<model-data><define-basic-event name=\"A\"/></model-data></opsa-mef>");
    assertNames(e, 4, "<gate name=\"A\">", "\"A\" is a basic-event, not a gate");
  }

  /**
   * The MEF allows {@code type="gate|basic-event|house-event"} on {@code <event>}; another value is an error naming
   * the element, the value and the allowed ones, whether or not the name is defined (it was "is a basic-event, not a
   * basic" or "undefined basic \"A\"", as if "basic" were a kind of event).
   */
  @Test
  void anUnknownEventTypeIsAnError() {
    for (String ref : List.of("A", "missing")) {
      for (String type : List.of("basic", "Gate", "", "parameter")) {
        MefException e = error("<opsa-mef>\n<define-fault-tree name=\"t\">\n<define-gate name=\"g\">\n"
            + "<event name=\"" + ref + "\" type=\"" + type + "\"/>\n</define-gate>\n</define-fault-tree>\n"
            + "<model-data><define-basic-event name=\"A\"/></model-data></opsa-mef>");
        assertNames(e, 4, "<event name=\"" + ref + "\">", "type must be gate, basic-event or house-event, but was \""
            + type + "\"");
      }
    }
  }

  /** The schema's values are tokens, so surrounding white space is allowed, as SCRAM trims it. */
  @Test
  void anEventTypeMayHaveSurroundingWhiteSpace() {
    FaultTreeModel m = MefReader.parse("ok.xml", "<opsa-mef>\n<define-fault-tree name=\"t\">\n"
        + "<define-gate name=\"g\"><and><event name=\"A\" type=\" basic-event \"/><event name=\"B\"/></and>"
        + "</define-gate>\n</define-fault-tree>\n<model-data><define-basic-event name=\"A\"/>"
        + "<define-basic-event name=\"B\"/></model-data></opsa-mef>");
    assertEquals(2, m.basicEvents().size());
  }

  @Test
  void cycleNamesItsGates() {
    MefException e = error("<opsa-mef>\n<define-fault-tree name=\"t\">\n"
        + "<define-gate name=\"g1\"><and><gate name=\"g2\"/><basic-event name=\"A\"/></and></define-gate>\n"
        + "<define-gate name=\"g2\"><or><gate name=\"g3\"/><basic-event name=\"A\"/></or></define-gate>\n"
        + "<define-gate name=\"g3\"><not><gate name=\"g1\"/></not></define-gate>\n"
        + "</define-fault-tree>\n<model-data><define-basic-event name=\"A\"/></model-data></opsa-mef>");
    assertTrue(e.getMessage().contains("cycle through gates: g1 -> g2 -> g3 -> g1"), e.getMessage());
    assertTrue(e.getMessage().startsWith("bad.xml:3: <define-gate name=\"g1\">"), e.getMessage());
  }

  @Test
  void duplicateDefinitionNamesBothPlaces() {
    MefException e = error("<opsa-mef>\n<define-fault-tree name=\"t\">\n"
        + "<define-gate name=\"g\"><basic-event name=\"A\"/></define-gate>\n</define-fault-tree>\n<model-data>\n"
        + "<define-basic-event name=\"A\"/>\n<define-basic-event name=\"A\"/>\n</model-data></opsa-mef>");
    assertNames(e, 7, "<define-basic-event name=\"A\">", "duplicate definition of basic-event \"A\"");
    assertTrue(e.getMessage().contains("first defined at bad.xml:6"), e.getMessage());
  }

  @Test
  void probabilityOutsideTheUnitInterval() {
    MefException e = error("<opsa-mef>\n<define-fault-tree name=\"t\">\n"
        + "<define-gate name=\"g\"><basic-event name=\"A\"/></define-gate>\n</define-fault-tree>\n<model-data>\n"
        + "<define-basic-event name=\"A\">\n<float value=\"1.5\"/>\n</define-basic-event>\n</model-data></opsa-mef>");
    assertNames(e, 6, "<define-basic-event name=\"A\">", "must lie in [0, 1], but was 1.5");
  }

  @Test
  void probabilityOutsideTheUnitIntervalAtTheAnalysedMissionTime() {
    FaultTreeModel m = MefReader.parse("bad.xml", "<opsa-mef>\n<define-fault-tree name=\"t\">\n"
        + "<define-gate name=\"g\"><basic-event name=\"A\"/></define-gate>\n</define-fault-tree>\n<model-data>\n"
        + "<define-basic-event name=\"A\">\n<mul><float value=\"1e-4\"/><system-mission-time/></mul>\n"
        + "</define-basic-event>\n</model-data></opsa-mef>");
    MefException e = assertThrows(MefException.class,
        () -> FaultTreeAnalysis.builder(m).missionTime(20000).build().run());
    assertNames(e, 6, "<define-basic-event name=\"A\">", "but was 2.0 at mission time 20000");
  }

  /** A model whose gate g reads basic event A, defined at line 6 by {@code body} (which starts on line 7). */
  static String withBasicEvent(String body, String more) {
    return "<opsa-mef>\n<define-fault-tree name=\"t\">\n"
        + "<define-gate name=\"g\"><basic-event name=\"A\"/></define-gate>\n</define-fault-tree>\n<model-data>\n"
        + "<define-basic-event name=\"A\">\n" + body + "\n</define-basic-event>\n" + more + "</model-data></opsa-mef>";
  }

  @Test
  void divisionByZeroIsAnErrorNotAProbabilityOfOne() {
    // 1 - exp(-(1 / 0) t) was 1: an infinite rate from a division by zero, read as a certain failure.
    MefException e = error(withBasicEvent("<exponential><div><float value=\"1\"/><float value=\"0\"/></div>"
        + "<system-mission-time/></exponential>", ""));
    assertNames(e, 6, "<define-basic-event name=\"A\">", "division by zero");
    MefException mod = error(withBasicEvent("<mod><float value=\"1\"/><float value=\"0\"/></mod>", ""));
    assertNames(mod, 6, "<define-basic-event name=\"A\">", "division by zero");
  }

  @Test
  void aWeibullLawWithoutAPositiveScaleAndShapeIsAnError() {
    // A scale of 0 gave a probability of 1 and a shape of 0 one of 1 - 1/e, whatever the time, without a word.
    for (String ab : List.of("0\"/><float value=\"1", "1\"/><float value=\"0", "-2\"/><float value=\"1")) {
      MefException e = error(withBasicEvent("<Weibull><float value=\"" + ab + "\"/><float value=\"0\"/>"
          + "<system-mission-time/></Weibull>", ""));
      assertNames(e, 6, "<define-basic-event name=\"A\">", "positive scale (alpha) and shape (beta)");
    }
    assertEquals(-Math.expm1(-Math.pow(2.0 / 4, 2)), MefReader.parse("ok.xml", withBasicEvent("<Weibull><float"
        + " value=\"4\"/><float value=\"2\"/><float value=\"0\"/><float value=\"2\"/></Weibull>", ""))
        .basicEvents().get("A").expression().value(null), 1e-15);
  }

  @Test
  void aParameterThatIsNotAFiniteNumberIsNamedEvenWhenUnused() {
    MefException e = error(withBasicEvent("<float value=\"0.1\"/>",
        "<define-parameter name=\"rate\">\n<div><float value=\"1\"/><float value=\"0\"/></div>\n"
        + "</define-parameter>\n"));
    assertNames(e, 9, "<define-parameter name=\"rate\">", "division by zero");
    MefException log = error(withBasicEvent("<exponential><parameter name=\"rate\"/><float value=\"1\"/>"
        + "</exponential>", "<define-parameter name=\"rate\">\n<log><float value=\"0\"/></log>\n"
        + "</define-parameter>\n"));
    assertNames(log, 9, "<define-parameter name=\"rate\">", "-Infinity");
  }

  @Test
  void numbersMustBeFiniteDecimals() {
    // Java's parser also takes NaN, Infinity, hexadecimal and a type suffix; an infinite rate made a probability of 1.
    for (String v : List.of("NaN", "Infinity", "-Infinity", "0x1p-3", "0.5d", "1e400")) {
      MefException e = error(withBasicEvent("<exponential><float value=\"" + v + "\"/><float value=\"1\"/>"
          + "</exponential>", ""));
      assertNames(e, 7, "<float>", "\"" + v + "\"");
    }
    MefException i = error(withBasicEvent("<mul><float value=\"0.1\"/><int value=\"2.5\"/></mul>", ""));
    assertNames(i, 7, "<int>", "\"2.5\"");
    // Decimal and scientific notation, signs and a leading or trailing point are numbers.
    for (String v : List.of("0.25", "+0.25", ".25", "25e-2", "2.5E-1", "0.250")) {
      assertEquals(0.25, MefReader.parse("ok.xml", withBasicEvent("<float value=\"" + v + "\"/>", ""))
          .basicEvents().get("A").expression().value(null), 1e-15, v);
    }
  }

  @Test
  void doctypeAndEntitiesAreRefused(@TempDir Path dir) throws IOException {
    Path secret = dir.resolve("secret.txt");
    Files.writeString(secret, "secret");
    MefException e = error("<?xml version=\"1.0\"?>\n<!DOCTYPE opsa-mef [<!ENTITY x SYSTEM \"" + secret.toUri()
        + "\">]>\n<opsa-mef><define-fault-tree name=\"&x;\"/></opsa-mef>");
    assertTrue(e.getMessage().contains("DTDs are not allowed"), e.getMessage());
  }

  @Test
  void unsupportedConstructsAreNamed() {
    MefException e = error("<opsa-mef>\n<define-event-tree name=\"et\"/>\n</opsa-mef>");
    assertNames(e, 2, "<define-event-tree name=\"et\">", "not supported");
    MefException p = error("<opsa-mef>\n<model-data>\n<define-basic-event name=\"g\" role=\"private\"/>"
        + "</model-data></opsa-mef>");
    assertNames(p, 3, "<define-basic-event name=\"g\">", "needs a fault tree or component to be private to");
    MefException arity = error("<opsa-mef>\n<define-fault-tree name=\"t\">\n<define-gate name=\"g\">\n"
        + "<atleast min=\"3\"><basic-event name=\"A\"/><basic-event name=\"A\"/></atleast>\n</define-gate>\n"
        + "</define-fault-tree><model-data><define-basic-event name=\"A\"/></model-data></opsa-mef>");
    assertNames(arity, 4, "<atleast>", "needs 1 <= min <= number of arguments");
  }

  @Test
  void filesCombineWithModelDataElsewhere(@TempDir Path dir) throws IOException {
    Path tree = dir.resolve("tree.xml");
    Path data = dir.resolve("data.xml");
    Files.writeString(tree, "<opsa-mef><define-fault-tree name=\"t\"><define-gate name=\"top\"><or>"
        + "<event name=\"A\"/><basic-event name=\"B\"/></or></define-gate></define-fault-tree></opsa-mef>");
    Files.writeString(data, "<opsa-mef><model-data><define-parameter name=\"p\"><float value=\"0.5\"/>"
        + "</define-parameter><define-basic-event name=\"A\"><parameter name=\"p\"/></define-basic-event>"
        + "<define-basic-event name=\"B\"><float value=\"0.5\"/></define-basic-event></model-data></opsa-mef>");
    FaultTreeModel m = MefReader.read(tree, data);
    assertEquals(0.75, FaultTreeAnalysis.builder(m).build().run().probability(), 1e-15);
    MefException undefined = assertThrows(MefException.class, () -> MefReader.read(tree));
    assertTrue(undefined.getMessage().contains(tree + ":1: <event name=\"A\">: undefined event \"A\""),
        undefined.getMessage());
  }

  /**
   * Two private components (trainA, trainB) each define a private pump and gate "out"; trainA also a public valve,
   * which trainB uses by its name; the top reaches the gates by relative paths, and a second tree reaches a private
   * pump by its full path and a private parameter feeds trainB's pump. SCRAM 0.16.2 gives the same three cut sets,
   * named the same way, and P = 1 - 0.99 (1 - 0.2 (1 - 0.9 * 0.7)) = 0.08326.
   */
  static final String SCOPED = "<?xml version=\"1.0\"?>\n<opsa-mef>\n<define-fault-tree name=\"plant\">\n"
      + "<define-gate name=\"top\"><or><gate name=\"trainA.out\"/><gate name=\"trainB.out\"/>"
      + "<basic-event name=\"shared\"/></or></define-gate>\n"
      + "<define-component name=\"trainA\" role=\"private\">\n"
      + "<define-gate name=\"out\"><and><basic-event name=\"pump\"/><basic-event name=\"valve\"/></and>"
      + "</define-gate>\n<define-basic-event name=\"pump\"><float value=\"0.1\"/></define-basic-event>\n"
      + "<define-basic-event name=\"valve\" role=\"public\"><float value=\"0.2\"/></define-basic-event>\n"
      + "</define-component>\n<define-component name=\"trainB\" role=\"private\">\n"
      + "<define-gate name=\"out\"><and><basic-event name=\"pump\"/><basic-event name=\"valve\"/></and>"
      + "</define-gate>\n<define-basic-event name=\"pump\"><parameter name=\"rate\"/></define-basic-event>\n"
      + "<define-parameter name=\"rate\"><float value=\"0.3\"/></define-parameter>\n"
      + "</define-component>\n</define-fault-tree>\n<define-fault-tree name=\"other\">\n"
      + "<define-gate name=\"pumps\"><and><basic-event name=\"plant.trainA.pump\"/>"
      + "<event name=\"plant.trainB.pump\"/></and></define-gate>\n</define-fault-tree>\n"
      + "<model-data><define-basic-event name=\"shared\"><float value=\"0.01\"/></define-basic-event></model-data>\n"
      + "</opsa-mef>\n";

  @Test
  void privateNamesAreScopedToTheirContainerAndReachedByPath() {
    FaultTreeModel m = MefReader.parse("scoped.xml", SCOPED);
    assertEquals(java.util.Set.of("plant.trainA.pump", "plant.trainB.pump", "valve", "shared"),
        m.basicEvents().keySet());
    assertTrue(m.gates().keySet().containsAll(List.of("top", "plant.trainA.out", "plant.trainB.out", "pumps")),
        m.gates().keySet().toString());
    FaultTreeResult r = FaultTreeAnalysis.builder(m).top("top").build().run();
    assertEquals(0.08326, r.probability(), 1e-15);
    assertEquals(java.util.Set.of(List.of("plant.trainA.pump", "valve"), List.of("plant.trainB.pump", "valve"),
        List.of("shared")), r.cutSets().map(CutSet::events).collect(java.util.stream.Collectors.toSet()));
    assertEquals(0.03, FaultTreeAnalysis.builder(m).top("pumps").build().run().probability(), 1e-15);

    FaultTreeModel back = MefReader.parse("written.xml", MefWriter.toXml(m));
    assertEquals(MefWriter.toXml(m), MefWriter.toXml(back));
    assertEquals(r.probability(), FaultTreeAnalysis.builder(back).top("top").build().run().probability(), 0.0);
  }

  @Test
  void privateNamesAreInvisibleOutsideTheirContainer() {
    // The top of "plant" cannot see trainA's private pump by its bare name.
    MefException hidden = error(SCOPED.replace("<basic-event name=\"shared\"/></or>",
        "<basic-event name=\"pump\"/></or>"));
    assertNames(hidden, 4, "<basic-event name=\"pump\">", "undefined basic-event \"pump\" (looked up from plant)");
    // Two public valves clash, wherever they are defined; two private pumps do not.
    MefException clash = error(SCOPED.replace("<define-parameter name=\"rate\">",
        "<define-basic-event name=\"valve\" role=\"public\"/><define-parameter name=\"rate\">"));
    assertNames(clash, 13, "<define-basic-event name=\"valve\">", "duplicate definition of basic-event \"valve\" in"
        + " plant.trainB; first defined at bad.xml:8");
    MefException twice = error(SCOPED.replace("<define-parameter name=\"rate\">",
        "<define-basic-event name=\"pump\"/><define-parameter name=\"rate\">"));
    assertNames(twice, 13, "<define-basic-event name=\"pump\">", "duplicate definition");
    MefException role = error(SCOPED.replace("role=\"public\"", "role=\"global\""));
    assertNames(role, 8, "<define-basic-event name=\"valve\">", "role must be \"public\" or \"private\"");
    // A private parameter is as private as an event.
    MefException parameter = error(SCOPED.replace("<float value=\"0.1\"/>", "<parameter name=\"rate\"/>"));
    assertNames(parameter, 7, "<parameter name=\"rate\">", "undefined parameter \"rate\"");
  }

  static final String RICH = "<?xml version=\"1.0\"?>\n<opsa-mef>\n<define-fault-tree name=\"t\">\n"
      + "<define-gate name=\"top\"><label>Loss &amp; &lt;damage&gt;</label><or><gate name=\"g\"/>"
      + "<atleast min=\"2\"><basic-event name=\"A\"/><basic-event name=\"B\"/><basic-event name=\"C\"/></atleast>"
      + "<cardinality min=\"1\" max=\"2\"><basic-event name=\"D\"/><basic-event name=\"E\"/><basic-event name=\"C\"/>"
      + "</cardinality><imply><basic-event name=\"A\"/><house-event name=\"H\"/></imply></or></define-gate>\n"
      + "<define-component name=\"c\"><define-gate name=\"g\"><and><not><basic-event name=\"D\"/></not>"
      + "<xor><basic-event name=\"E\"/><basic-event name=\"P1\"/></xor><nor><basic-event name=\"A\"/>"
      + "<constant value=\"false\"/></nor><nand><basic-event name=\"B\"/><basic-event name=\"C\"/></nand>"
      + "<iff><basic-event name=\"A\"/><basic-event name=\"B\"/></iff></and></define-gate></define-component>\n"
      + "<define-CCF-group name=\"pumps\" model=\"MGL\"><members><basic-event name=\"P1\"/>"
      + "<basic-event name=\"P2\"/><basic-event name=\"P3\"/></members><distribution><float value=\"0.01\"/>"
      + "</distribution><factors><factor level=\"2\"><float value=\"0.1\"/></factor><factor><float value=\"0.2\"/>"
      + "</factor></factors></define-CCF-group>\n"
      + "</define-fault-tree>\n<model-data>\n"
      + "<define-parameter name=\"lambda\" unit=\"hours-1\"><float value=\"1e-5\"/></define-parameter>\n"
      + "<define-basic-event name=\"A\"><exponential><parameter name=\"lambda\"/><system-mission-time/>"
      + "</exponential></define-basic-event>\n"
      + "<define-basic-event name=\"B\"><GLM><float value=\"0.01\"/><float value=\"1e-4\"/><float value=\"0.1\"/>"
      + "<system-mission-time/></GLM></define-basic-event>\n"
      + "<define-basic-event name=\"C\"><Weibull><float value=\"1e4\"/><float value=\"2\"/><float value=\"100\"/>"
      + "<system-mission-time/></Weibull></define-basic-event>\n"
      + "<define-basic-event name=\"D\"><periodic-test><float value=\"1e-4\"/><float value=\"720\"/>"
      + "<float value=\"100\"/><system-mission-time/></periodic-test></define-basic-event>\n"
      + "<define-basic-event name=\"E\"><mul><int value=\"2\"/><lognormal-deviate><float value=\"0.01\"/>"
      + "<float value=\"3\"/><float value=\"0.95\"/></lognormal-deviate></mul></define-basic-event>\n"
      + "<define-house-event name=\"H\"><constant value=\"false\"/></define-house-event>\n"
      + "</model-data>\n</opsa-mef>\n";

  @Test
  void writerRoundTripsEveryConstruct() {
    FaultTreeModel m = MefReader.parse("rich.xml", RICH);
    String once = MefWriter.toXml(m);
    FaultTreeModel back = MefReader.parse("written.xml", once);
    assertEquals(once, MefWriter.toXml(back));
    assertEquals("Loss & <damage>", back.gates().get("top").label());
    assertEquals(m.gates().get("g").formula(), back.gates().get("g").formula());
    assertEquals(m.ccfGroups().get("pumps").factors(), back.ccfGroups().get("pumps").factors());
    double p = FaultTreeAnalysis.builder(m).build().run().probability();
    assertEquals(p, FaultTreeAnalysis.builder(back).build().run().probability(), 0.0);
    assertTrue(p > 0 && p < 1, "p = " + p);
  }

  @Test
  void writerRoundTripsTheAraliaModels() throws IOException {
    Path dir = SharedData.require("fault-trees/aralia");
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> models = files.filter(f -> f.toString().endsWith(".xml")).sorted().toList();
      assertTrue(models.size() > 20);
      for (Path f : models) {
        FaultTreeModel m = MefReader.read(f);
        String once = MefWriter.toXml(m);
        FaultTreeModel back = MefReader.parse(f.getFileName().toString(), once);
        assertEquals(m.gates().values().stream().map(Gate::formula).toList(),
            back.gates().values().stream().map(Gate::formula).toList(), f.toString());
        assertEquals(once, MefWriter.toXml(back), f.toString());
      }
    }
  }

  /** Regression: 100,000 nested elements overflowed the stack of the reader's recursive formula builder. */
  @Test
  void deepNestingIsRefusedNamingTheLimit() {
    int depth = 100_000;
    String xml = "<opsa-mef>\n<define-fault-tree name=\"t\">\n<define-gate name=\"g\">\n" + "<not>".repeat(depth)
        + "<basic-event name=\"b\"/>" + "</not>".repeat(depth) + "</define-gate>\n</define-fault-tree>\n"
        + "<define-basic-event name=\"b\"><float value=\"0.1\"/></define-basic-event>\n</opsa-mef>\n";
    MefException e = error(xml);
    assertNames(e, 4, "<not>", "elements nest deeper than " + MefReader.MAX_DEPTH + " levels");
  }

  @Test
  void nestingUpToTheLimitIsRead() {
    int depth = MefReader.MAX_DEPTH - 5;
    String xml = "<opsa-mef><define-fault-tree name=\"t\"><define-gate name=\"g\">" + "<not>".repeat(depth)
        + "<basic-event name=\"b\"/>" + "</not>".repeat(depth) + "</define-gate></define-fault-tree>"
        + "<define-basic-event name=\"b\"><float value=\"0.25\"/></define-basic-event></opsa-mef>";
    FaultTreeModel m = MefReader.parse("deep.xml", xml);
    assertEquals(0.75, FaultTreeAnalysis.builder(m).build().run().probability(), 1e-12, "odd number of negations");
  }

  /** A chain of parameters as long as a file can hold is evaluated without recursion. */
  @Test
  void longParameterChainsAreEvaluated() {
    int n = 50_000;
    StringBuilder xml = new StringBuilder("<opsa-mef><define-fault-tree name=\"t\"><define-gate name=\"g\"><or>"
        + "<basic-event name=\"b\"/><basic-event name=\"c\"/></or></define-gate></define-fault-tree>");
    xml.append("<define-parameter name=\"p0\"><float value=\"0.5\"/></define-parameter>");
    for (int i = 1; i < n; i++) {
      xml.append("<define-parameter name=\"p").append(i).append("\"><parameter name=\"p").append(i - 1)
          .append("\"/></define-parameter>");
    }
    xml.append("<define-basic-event name=\"b\"><parameter name=\"p").append(n - 1).append("\"/></define-basic-event>")
        .append("<define-basic-event name=\"c\"><float value=\"0\"/></define-basic-event></opsa-mef>");
    FaultTreeModel m = MefReader.parse("chain.xml", xml.toString());
    assertEquals(0.5, FaultTreeAnalysis.builder(m).build().run().probability(), 1e-12);
  }

  @Test
  void invalidUtf8NamesTheLine() {
    byte[] xml = "<opsa-mef>\n<label>caf\u00e9</label>\n<label>x</label></opsa-mef>"
        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    MefException e = assertThrows(MefException.class, () -> new MefReader().addBytes("bad.xml", xml).read());
    assertEquals("bad.xml:2: XML: malformed XML: invalid UTF-8 at byte 21", e.getMessage());
  }

  @Test
  void aDeclaredLatin1DocumentIsDecodedByItsDeclaration() {
    byte[] xml = ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<opsa-mef><define-fault-tree name=\"t\">"
        + "<define-gate name=\"g\"><label>caf\u00e9</label><basic-event name=\"b\"/></define-gate>"
        + "</define-fault-tree><define-basic-event name=\"b\"><float value=\"0.1\"/></define-basic-event></opsa-mef>")
        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    FaultTreeModel m = new MefReader().addBytes("latin1.xml", xml).read();
    assertEquals("caf\u00e9", m.gates().get("g").label());
  }

  /**
   * Regression (found by MefReaderFuzzTest): a control character inside a DOCTYPE made the JDK's parser throw a
   * MissingResourceException instead of an XML error.
   */
  @Test
  void aParserFailureOfTheJdkBecomesAnError() {
    String xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE opsa-mef [<!E\u0001\u0000\u0000NTITY x \"y\">]>\n<opsa-mef/>";
    MefException e = error(xml);
    assertTrue(e.getMessage().startsWith("bad.xml:2: XML: malformed XML"), e.getMessage());
  }

  /** Regression (found by MefReaderFuzzTest): two empty fault trees of one name gave an error naming no file. */
  @Test
  void duplicateFaultTreeNamesTheSecondDefinition() {
    MefException e = error("<opsa-mef>\n<define-fault-tree name=\"t\">\n</define-fault-tree>\n"
        + "<define-fault-tree name=\"t\">\n</define-fault-tree>\n</opsa-mef>\n");
    assertNames(e, 4, "<define-fault-tree name=\"t\">", "duplicate definition of fault tree \"t\"; first defined at "
        + "bad.xml:2:");
  }
}
