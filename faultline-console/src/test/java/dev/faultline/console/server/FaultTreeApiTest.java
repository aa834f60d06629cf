package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault trees: upload (checked before stored, hostile XML refused), analysis, live state from what is down now,
 * delete; bad requests change nothing.
 */
class FaultTreeApiTest {
  private static final int MAX_DOCUMENT = 16 * 1024;

  @TempDir
  Path dir;

  private ServerFixture f;
  private String admin;
  private String operator;
  private String pumps;

  @BeforeEach
  void start() throws IOException {
    f = new ServerFixture(dir, b -> b.maxDocumentBytes(MAX_DOCUMENT));
    admin = f.setUpAndLogInAdmin();
    operator = f.userSession(admin, "olga", "operator");
    try (InputStream in = getClass().getResourceAsStream("/fta/pumps.xml")) {
      pumps = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private ServerFixture.Reply upload(String name, String xml) {
    return f.put("/api/v1/fault-trees/" + name, operator, "application/xml", xml);
  }

  @Test
  void aTreeIsUploadedAnalysedAndDeleted() {
    ServerFixture.Reply created = upload("plant", pumps);
    assertEquals(201, created.status(), created.body());
    assertEquals("top", created.json().get("tops").get(0).asText());
    assertEquals(3, created.json().get("basicEvents").asInt());
    assertEquals(2, created.json().get("gates").asInt());
    assertEquals("olga", created.json().get("uploadedBy").asText());
    assertEquals(200, upload("plant", pumps).status(), "replacing answers 200");
    assertEquals(1, f.get("/api/v1/fault-trees", admin).json().get("faultTrees").size());
    JsonNode one = f.get("/api/v1/fault-trees/plant", admin).json();
    assertEquals("[\"pumpA\",\"pumpB\",\"valve\"]", one.get("basicEventNames").toString());

    JsonNode analysis = f.get("/api/v1/fault-trees/plant/analysis?importance=true", admin).json();
    double valve = 1 - Math.exp(-1e-5 * 8760);
    assertEquals(1 - (1 - 0.02) * (1 - valve), analysis.get("probability").asDouble(), 1e-12, analysis.toString());
    assertEquals("2", analysis.get("cutSetCount").asText());
    assertEquals("[\"1\",\"1\"]", analysis.get("orderDistribution").toString());
    assertEquals(2, analysis.get("cutSets").size());
    assertEquals(3, analysis.get("importance").size());
    JsonNode instant = f.get("/api/v1/fault-trees/plant/analysis?missionTime=0&cutSets=0", admin).json();
    assertEquals(0.02, instant.get("probability").asDouble(), 1e-12);
    assertEquals(0, instant.get("cutSets").size());

    assertEquals(200, f.delete("/api/v1/fault-trees/plant", operator).status());
    assertEquals(404, f.get("/api/v1/fault-trees/plant", admin).status());
    assertEquals(404, f.delete("/api/v1/fault-trees/plant", operator).status());
  }

  /**
   * When the top cannot occur, CIF and DIF (0 / 0) are null and the infinite RAW is the string "Infinity", so that the
   * two are told apart; a bare NaN or Infinity is not JSON, and 0 said the event had no share in a risk.
   */
  @Test
  void undefinedImportanceIsNullAndInfiniteIsTheStringInfinity() {
    String never = "<opsa-mef><define-fault-tree name=\"t\"><define-gate name=\"top\"><and><basic-event name=\"A\"/>"
        + "<basic-event name=\"B\"/></and></define-gate></define-fault-tree><model-data><define-basic-event"
        + " name=\"A\"><float value=\"0\"/></define-basic-event><define-basic-event name=\"B\"><float"
        + " value=\"0.5\"/></define-basic-event></model-data></opsa-mef>";
    assertEquals(201, upload("never", never).status());
    ServerFixture.Reply reply = f.get("/api/v1/fault-trees/never/analysis?importance=true", admin);
    assertEquals(200, reply.status(), reply.body());
    JsonNode a = reply.json().get("importance").get(0);
    assertEquals("A", a.get("event").asText(), reply.body());
    assertEquals(0.5, a.get("mif").asDouble(), 1e-15);
    assertTrue(a.get("cif").isNull(), reply.body());
    assertTrue(a.get("dif").isNull(), reply.body());
    assertTrue(a.get("raw").isTextual(), reply.body());
    assertEquals("Infinity", a.get("raw").asText(), reply.body());
    assertEquals(1.0, a.get("rrw").asDouble(), reply.body());
    assertTrue(a.get("rrw").isNumber(), reply.body());
    assertTrue(reply.body().contains("\"raw\":\"Infinity\""), reply.body());
  }

  @Test
  void theLiveStateCountsServicesThatAreDownAsFailedBasicEvents() {
    assertEquals(201, upload("plant", pumps).status());
    JsonNode one = f.get("/api/v1/fault-trees/plant/live?failed=pumpA", admin).json();
    assertFalse(one.get("topFailed").asBoolean());
    assertEquals("2", one.get("oneAwayCount").asText(), "{pumpA, pumpB} and {valve}: " + one);
    assertEquals("pumpB", one.get("oneAway").get(0).get("missing").asText());

    String pumpB = f.serviceKey(admin, "pumpB");
    assertEquals(202, f.post("/api/v1/heartbeats", pumpB, "{\"status\":\"UP\",\"intervalMillis\":1000}").status());
    assertEquals(0, f.get("/api/v1/fault-trees/plant/live", admin).json().get("autoFailed").size());
    f.clock.advance(Duration.ofSeconds(10));  // pumpB's heartbeats stop: it is DOWN
    JsonNode both = f.get("/api/v1/fault-trees/plant/live?failed=pumpA", admin).json();
    assertEquals("[\"pumpB\"]", both.get("autoFailed").toString(), both.toString());
    assertTrue(both.get("topFailed").asBoolean());
    assertTrue(both.get("failedGates").toString().contains("pumps"), both.toString());
    assertEquals("1", both.get("completeCutSetCount").asText());
    assertFalse(f.get("/api/v1/fault-trees/plant/live?failed=pumpA&auto=false", admin).json().get("topFailed")
        .asBoolean(), "auto=false ignores what is down");

    ServerFixture.Reply unknown = f.get("/api/v1/fault-trees/plant/live?failed=pumpC", admin);
    assertEquals(400, unknown.status(), unknown.body());
    assertTrue(unknown.json().get("message").asText().contains("pumpC"), unknown.body());
    assertEquals(400, f.get("/api/v1/fault-trees/plant/analysis?top=nothing", admin).status());
    assertEquals(400, f.get("/api/v1/fault-trees/plant/analysis?missionTime=-1", admin).status());
  }

  @Test
  void aTreeReplacedWithinTheSameMillisecondIsNotAnsweredFromTheOldAnalysis() {
    // The clock does not move between the two uploads: both versions carry the same update time.
    assertEquals(201, upload("plant", pumps).status());
    assertEquals(0.02, f.get("/api/v1/fault-trees/plant/analysis?missionTime=0", admin).json().get("probability")
        .asDouble(), 1e-12);
    String changed = pumps.replace("<define-basic-event name=\"pumpA\"><float value=\"0.1\"/>",
        "<define-basic-event name=\"pumpA\"><float value=\"0.5\"/>").replace("<basic-event name=\"pumpB\"/>",
        "<basic-event name=\"pumpB\"/>\n        <basic-event name=\"pumpC\"/>").replace("<model-data>",
        "<model-data>\n    <define-basic-event name=\"pumpC\"><float value=\"1\"/></define-basic-event>");
    assertEquals(200, upload("plant", changed).status());
    JsonNode analysis = f.get("/api/v1/fault-trees/plant/analysis?missionTime=0", admin).json();
    assertEquals(0.1, analysis.get("probability").asDouble(), 1e-12, analysis.toString());
    ServerFixture.Reply live = f.get("/api/v1/fault-trees/plant/live?failed=pumpC", admin);
    assertEquals(200, live.status(), "the replaced tree has pumpC: " + live);
  }

  @Test
  void badOrHostileTreesAreRefusedAndNothingIsStored() {
    List<String[]> cases = new ArrayList<>();
    cases.add(new String[] {"<opsa-mef><define-fault-tree name=\"t\">", "bad:1: XML: malformed XML"});
    cases.add(new String[] {pumps.replace("<basic-event name=\"valve\"/>", "<basic-event name=\"nowhere\"/>"),
        "nowhere"});
    cases.add(new String[] {"<?xml version=\"1.0\"?><!DOCTYPE opsa-mef [<!ENTITY secret SYSTEM"
        + " \"file:///etc/passwd\">]><opsa-mef>&secret;</opsa-mef>", "not a valid Open-PSA MEF model"});
    cases.add(new String[] {"<opsa-mef><model-data><define-basic-event name=\"a\"><float value=\"0.1\"/>"
        + "</define-basic-event></model-data></opsa-mef>", "defines no gate"});
    for (String[] c : cases) {
      ServerFixture.Reply reply = upload("bad", c[0]);
      assertEquals(400, reply.status(), c[0] + " -> " + reply);
      assertTrue(reply.json().get("message").asText().contains(c[1]), c[1] + " in " + reply);
      assertFalse(reply.body().contains("root:"), "no file content leaks");
    }
    ServerFixture.Reply binary = f.send(f.request("/api/v1/fault-trees/bad", operator)
        .header("Content-Type", "application/xml").PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {
            '<', 'a', (byte) 0xff, (byte) 0xfe, '>'})));
    assertEquals(400, binary.status(), binary.body());
    assertTrue(binary.json().get("message").asText().contains("UTF-8"));
    assertEquals(415, f.put("/api/v1/fault-trees/bad", operator, "application/json", "{}").status());
    assertEquals(413, upload("bad", pumps + "<!--" + "x".repeat(MAX_DOCUMENT) + "-->").status());
    assertEquals(400, upload("bad%20name", pumps).status());
    assertEquals(0, f.get("/api/v1/fault-trees", admin).json().get("faultTrees").size());
  }

  @Test
  void anEmbeddingProgramStoresATreeDirectly() throws IOException {
    f.server.putFaultTree("demo", pumps, "demo");
    JsonNode one = f.get("/api/v1/fault-trees/demo", admin).json();
    assertEquals("demo", one.get("uploadedBy").asText());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> f.server.putFaultTree("demo", "<opsa-mef>", "demo"));
    assertTrue(e.getMessage().contains("MEF"), e.getMessage());
  }

  @Test
  void aNameWithAnEncodedSlashReachesNoFileOutsideTheTrees() throws IOException {
    assertEquals(201, upload("plant", pumps).status());
    Path credentials = dir.resolve(CredentialStore.FILE);
    assertTrue(Files.exists(credentials));
    Files.writeString(dir.resolve("outside.json"), "{\"name\":\"outside\",\"content\":\"x\",\"updatedAt\":1,"
        + "\"updatedBy\":\"nobody\"}");
    // Jetty passes %2F through and Javalin decodes it into the path parameter: the name is ../../credentials.
    for (String name : new String[] {"..%2F..%2Fcredentials", "..%2F..%2Foutside", "..%2Fplant"}) {
      ServerFixture.Reply deleted = f.delete("/api/v1/fault-trees/" + name, operator);
      assertEquals(400, deleted.status(), name + ": " + deleted);
      assertEquals("bad-request", deleted.error());
      for (String path : new String[] {"", "/analysis", "/live"}) {
        ServerFixture.Reply read = f.get("/api/v1/fault-trees/" + name + path, admin);
        assertEquals(400, read.status(), name + path + ": " + read);
      }
    }
    assertTrue(Files.exists(credentials), "an operator's DELETE must not remove the credentials file");
    assertTrue(Files.exists(dir.resolve("outside.json")));
    assertEquals(200, f.get("/api/v1/fault-trees/plant", admin).status());
  }
}
