package dev.faultline.diagnosis.incident;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.faultline.core.testing.FakeClock;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Incident JSON round-trips, and the reader rejects malformed input naming the position. */
class IncidentJsonTest {

  @Test
  void roundTrips() {
    Incident full = Incidents.full(new FakeClock());
    String json = IncidentJson.write(full);
    assertTrue(!json.contains("\n") && !json.contains("\u2028"), "one line: " + json);
    assertEquals(full, IncidentJson.read(json));
    Incident minimal = Incident.builder(new IllegalStateException()).component("c").clock(new FakeClock()).build();
    assertEquals(minimal, IncidentJson.read(IncidentJson.write(minimal)));
    assertEquals(minimal, IncidentJson.read("  \n" + IncidentJson.write(minimal) + "\t "));
  }

  /**
   * The JSON starts with the format version, as the other stored formats do ({@code "version": 1}); an incident
   * written before it had one still reads, and a version this build does not know is refused naming it.
   */
  @Test
  void theFormatVersionIsWrittenFirstAndAbsentMeansTheFirstVersion() {
    Incident full = Incidents.full(new FakeClock());
    String json = IncidentJson.write(full);
    assertTrue(json.startsWith("{\"version\":1,\"faultline.fingerprint\":"), json);
    assertEquals(1, IncidentJson.VERSION);
    String unversioned = json.replace("\"version\":1,", "");
    assertEquals(full, IncidentJson.read(unversioned), "written before the version field: still read");
    assertEquals(full, IncidentJson.read("{" + unversioned.substring(1, unversioned.length() - 1) + ",\"version\":1}"),
        "anywhere in the object");
    for (String other : new String[] {"2", "0"}) {
      IncidentJsonException e = assertThrows(IncidentJsonException.class,
          () -> IncidentJson.read(json.replace("\"version\":1,", "\"version\":" + other + ",")), other);
      assertTrue(e.getMessage().contains("unsupported incident format version " + other + " (this build reads version"
          + " 1)"), e.getMessage());
    }
    for (String bad : new String[] {"\"1\"", "1.5", "null"}) {
      IncidentJsonException e = assertThrows(IncidentJsonException.class,
          () -> IncidentJson.read(json.replace("\"version\":1,", "\"version\":" + bad + ",")), bad);
      assertTrue(e.getMessage().contains("\"version\" is not an integer"), bad + ": " + e.getMessage());
    }
  }

  private static int position(String json) {
    return assertThrows(IncidentJsonException.class, () -> IncidentJson.read(json), json).position();
  }

  @Test
  void malformedJsonNamesThePosition() {
    assertEquals(0, position(""));
    assertEquals(1, position("{"));
    assertEquals(1, position("{]"));
    assertEquals(5, position("{\"a\" 1}"));
    assertEquals(3, position("[1,]"));
    assertEquals(3, position("{} x"));
    assertEquals(2, position("[01]"));
    assertEquals(2, position("[\"\\x\"]"));
    assertEquals(4, position("[\"\\uZZZZ\"]"));
    assertEquals(2, position("[\"\\ud800\"]"));
    assertEquals(5, position("[\"abc"));
    assertEquals(1, position("[tru]"));
    assertEquals(1, position("[99999999999999999999]"));
    assertEquals(1, position("[1e999]"));
    assertEquals(7, position("{\"a\":1,\"a\":2}"));
    assertEquals(32, position("[".repeat(40)));
    IncidentJsonException e = assertThrows(IncidentJsonException.class, () -> IncidentJson.read("{\"a\" 1}"));
    assertEquals("malformed incident JSON at position 5: expected ':' but found '1'", e.getMessage());
    assertEquals("malformed-incident-json", e.code());
  }

  @Test
  void wrongShapeNamesTheAttribute() {
    String json = IncidentJson.write(Incidents.full(new FakeClock()));
    assertTrue(assertThrows(IncidentJsonException.class, () -> IncidentJson.read("[1]")).getMessage()
        .contains("expected an object"));
    assertTrue(assertThrows(IncidentJsonException.class,
        () -> IncidentJson.read(json.replace("\"faultline.component\"", "\"faultline.componnt\""))).getMessage()
        .contains("unknown attribute \"faultline.componnt\""));
    assertTrue(assertThrows(IncidentJsonException.class,
        () -> IncidentJson.read(json.replace("\"FATAL\"", "\"DIRE\""))).getMessage()
        .contains("\"faultline.severity\" is not a severity: DIRE"));
    assertTrue(assertThrows(IncidentJsonException.class,
        () -> IncidentJson.read(json.replace("\"process.pid\":4242", "\"process.pid\":\"4242\""))).getMessage()
        .contains("\"process.pid\" is not an integer"));
    assertTrue(assertThrows(IncidentJsonException.class,
        () -> IncidentJson.read(json.replace("\"error.type\":\"java.lang.IllegalStateException\",", "")))
        .getMessage().contains("missing attribute \"error.type\""));
  }

  /**
   * Fuzz-style: seeded mutations of valid incidents (byte flips, deletions, insertions of JSON punctuation,
   * truncations, duplications, deep nesting) never make the reader throw anything but its own exception.
   */
  @Test
  void mutatedInputOnlyEverFailsWithTheParseException() {
    Random random = new Random(20261127L);
    String valid = IncidentJson.write(Incidents.full(new FakeClock()));
    String[] tokens = {"{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "-", "0", "1e", ".", "true",
      "null", "\u0000", "\u2028", " ", "[".repeat(100), "{\"a\":".repeat(50), "99999999999999999999"};
    int accepted = 0;
    int rejected = 0;
    for (int round = 0; round < 5_000; round++) {
      StringBuilder s = new StringBuilder(valid);
      int mutations = 1 + random.nextInt(4);
      for (int m = 0; m < mutations && s.length() > 0; m++) {
        int at = random.nextInt(s.length());
        switch (random.nextInt(6)) {
          case 0:
            s.setCharAt(at, (char) random.nextInt(128));
            break;
          case 1:
            s.delete(at, Math.min(s.length(), at + 1 + random.nextInt(8)));
            break;
          case 2:
            s.insert(at, tokens[random.nextInt(tokens.length)]);
            break;
          case 3:
            s.setLength(at);
            break;
          case 4:
            int end = Math.min(s.length(), at + random.nextInt(30));
            s.insert(at, s.substring(at, end));
            break;
          default:
            s.setCharAt(at, (char) random.nextInt(0x10000));
            break;
        }
      }
      String input = s.toString();
      try {
        IncidentJson.read(input);
        accepted++;
      } catch (IncidentJsonException e) {
        rejected++;
        assertTrue(e.position() >= 0 && e.position() <= input.length(), "position " + e.position() + " in " + input);
      } catch (RuntimeException | StackOverflowError e) {
        fail("reader threw " + e + " for input: " + input, e);
      }
    }
    assertTrue(rejected > 2_500, "most mutations are malformed: rejected " + rejected);
    assertTrue(accepted > 0, "some mutations (inside strings) are still valid incidents");
  }
}
