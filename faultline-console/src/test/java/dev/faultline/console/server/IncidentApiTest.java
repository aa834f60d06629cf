package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.faultline.diagnosis.incident.HttpIncidentReporter;
import dev.faultline.diagnosis.incident.Incident;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incidents sent by the library's own {@link HttpIncidentReporter} are stored, grouped into issues and queryable with
 * filters and paging; the incident detail carries the stack, occurrences, log traceback and suspected root causes;
 * bad incidents are refused with nothing stored.
 */
class IncidentApiTest {
  private static final long T0 = 1_767_225_600_000L;  // 2026-01-01T00:00:00Z

  @TempDir
  Path dir;

  private ServerFixture f;
  private String admin;
  private String key;

  @BeforeEach
  void start() {
    f = fixture(dir, b -> b.maxBodyBytes(64 * 1024));
    admin = f.setUpAndLogInAdmin();
    key = f.serviceKey(admin, "payments");
  }

  /** The server under test; {@code Postgres...Test} runs every test again on the shared database. */
  ServerFixture fixture(Path dir, java.util.function.UnaryOperator<ConsoleServer.Builder> configure) {
    return new ServerFixture(dir, configure);
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private static Incident incident(RuntimeException failure, String component, List<String> logLines) {
    return Incident.builder(failure).component(component).clock(new dev.faultline.core.testing.FakeClock())
        .logLines(logLines).build();
  }

  private static RuntimeException timeout() {
    return new UncheckedIOException("timed out", new java.net.SocketTimeoutException("read timed out"));
  }

  @Test
  void incidentsFromTheLibrarysHttpReporterAreStoredAndGroupedIntoIssues() {
    HttpIncidentReporter reporter = HttpIncidentReporter.builder()
        .uri(URI.create(f.server.baseUri() + "/api/v1/incidents")).apiKey(key)
        .closeTimeout(Duration.ofSeconds(30)).build();
    reporter.report(incident(timeout(), "payments", List.of()));
    reporter.report(incident(timeout(), "payments", List.of()));
    reporter.report(incident(new IllegalStateException("ledger closed"), "ledger", List.of()));
    reporter.close();
    assertEquals(3, reporter.sent(), "failed " + reporter.failed() + ", dropped " + reporter.dropped());

    JsonNode incidents = f.get("/api/v1/incidents", admin).json().get("incidents");
    assertEquals(3, incidents.size());
    assertEquals("ledger", incidents.get(0).get("component").asText(), "newest first");
    assertEquals("payments", incidents.get(0).get("service").asText(), "the key's service");
    JsonNode issues = f.get("/api/v1/issues", admin).json().get("issues");
    assertEquals(2, issues.size(), issues.toString());
    JsonNode timeouts = issues.get(1);
    assertEquals("java.net.SocketTimeoutException", timeouts.get("type").asText(), "the root cause's type");
    assertEquals(2, timeouts.get("count").asLong());
    assertEquals("ONGOING", timeouts.get("status").asText());
    assertEquals(2, f.get("/api/v1/incidents?fingerprint=" + timeouts.get("fingerprint").asText(), admin).json()
        .get("incidents").size());
    assertEquals(2, f.get("/api/v1/services", admin).json().get("services").get(0).get("openIssues").asLong());
  }

  @Test
  void issuesGoFromNewToOngoingToResolvedToRegressed() {
    String fp = "fp-a";
    JsonNode first = f.post("/api/v1/incidents", key, Incidents.json("payments", fp, T0)).json();
    assertEquals("NEW", first.get("incidents").get(0).get("issueStatus").asText());
    assertEquals("ONGOING", f.post("/api/v1/incidents", key, Incidents.json("payments", fp, T0 + 1000)).json()
        .get("incidents").get(0).get("issueStatus").asText());

    String operator = f.userSession(admin, "olga", "operator");
    ServerFixture.Reply resolved = f.post("/api/v1/issues/" + fp + "/resolve", operator, "{}");
    assertEquals(200, resolved.status(), resolved.body());
    assertEquals("RESOLVED", resolved.json().get("issue").get("status").asText());
    assertEquals(0, f.get("/api/v1/services", admin).json().get("services").get(0).get("openIssues").asLong());
    assertEquals(1, f.get("/api/v1/issues?status=resolved", admin).json().get("issues").size());

    JsonNode again = f.post("/api/v1/incidents", key, Incidents.json("payments", fp, T0 + 2000)).json();
    assertEquals("REGRESSED", again.get("incidents").get(0).get("issueStatus").asText());
    JsonNode issue = f.get("/api/v1/issues/" + fp, admin).json();
    assertEquals(3, issue.get("issue").get("count").asLong());
    assertEquals(Views.time(T0), issue.get("issue").get("firstSeen").asText());
    assertEquals(Views.time(T0 + 2000), issue.get("issue").get("lastSeen").asText());
    assertEquals(3, issue.get("incidents").size());
    assertEquals(404, f.post("/api/v1/issues/unknown/resolve", operator, "{}").status());
    assertEquals(404, f.get("/api/v1/issues/unknown", admin).status());
  }

  @Test
  void incidentFiltersAndPagingWork() {
    String orders = f.serviceKey(admin, "orders");
    for (int i = 0; i < 5; i++) {
      assertEquals(202, f.post("/api/v1/incidents", i % 2 == 0 ? key : orders,
          Incidents.json(i % 2 == 0 ? "payments" : "orders", "fp-" + (i % 2), T0 + i * 60_000L)).status());
    }
    assertEquals(3, f.get("/api/v1/incidents?service=payments", admin).json().get("incidents").size());
    assertEquals(2, f.get("/api/v1/incidents?component=orders", admin).json().get("incidents").size());
    assertEquals(2, f.get("/api/v1/incidents?from=" + Views.time(T0 + 60_000) + "&to=" + (T0 + 180_000), admin)
        .json().get("incidents").size(), "from inclusive, to exclusive, ISO or millis");
    assertEquals(5, f.get("/api/v1/incidents?status=ONGOING&severity=ERROR", admin).json().get("incidents").size());
    assertEquals(1, f.get("/api/v1/issues?service=orders", admin).json().get("issues").size());
    assertEquals(1, f.get("/api/v1/issues?from=" + (T0 + 240_000), admin).json().get("issues").size(),
        "issues filter on last seen");

    Set<String> seen = new HashSet<>();
    List<Integer> pages = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page = f.get("/api/v1/incidents?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), admin).json();
      pages.add(page.get("incidents").size());
      page.get("incidents").forEach(i -> assertTrue(seen.add(i.get("id").asText()), "no incident twice"));
      cursor = page.get("next").isNull() ? null : page.get("next").asText();
    } while (cursor != null);
    assertEquals(List.of(2, 2, 1), pages);

    for (String bad : new String[] {"status=SOLVED", "severity=BAD", "from=yesterday", "limit=0", "cursor=%21",
        "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z"}) {
      ServerFixture.Reply reply = f.get("/api/v1/incidents?" + bad, admin);
      assertEquals(400, reply.status(), bad + " -> " + reply);
    }
  }

  @Test
  void theIncidentDetailHasStackOccurrencesTracebackAndSuspectedRootCauses() {
    String operator = f.userSession(admin, "olga", "operator");
    assertEquals(200, f.put("/api/v1/dependencies", operator, "application/json",
        "{\"dependencies\":{\"payments\":[\"db\"]}}").status());
    assertEquals(202, f.post("/api/v1/events", key, "[{\"type\":\"ComponentFailed\",\"source\":\"db\",\"time\":"
        + (T0 - 60_000) + ",\"fields\":{\"cause\":\"disk full\"}}]").status());
    List<String> log = List.of(
        "2026-01-01 00:00:00,000 INFO payments started",
        "2026-01-01 00:00:30,000 INFO request served",
        "2026-01-01 00:04:00,000 WARN connection pool exhausted, waiting",
        "2026-01-01 00:05:00,000 ERROR request failed: timed out");
    JsonNode accepted = f.post("/api/v1/incidents", key, Incidents.json("payments", "fp-x", T0, log)).json();
    String id = accepted.get("incidents").get(0).get("id").asText();

    JsonNode detail = f.get("/api/v1/incidents/" + id, admin).json();
    assertTrue(detail.get("stacktrace").asText().startsWith("java.io.UncheckedIOException: timed out"));
    assertEquals("A-17", detail.get("mdc").get("order").asText());
    assertEquals(4, detail.get("logLines").size());
    assertEquals("NEW", detail.get("issue").get("status").asText());
    assertEquals(id, detail.get("occurrences").get(0).get("id").asText());
    JsonNode traceback = detail.get("traceback");
    assertNotNull(traceback, detail.toString());
    assertTrue(traceback.get("failure").get("text").asText().contains("request failed"), traceback.toString());
    assertTrue(traceback.get("suspects").toString().contains("connection pool exhausted"), traceback.toString());
    JsonNode causes = detail.get("suspectedRootCauses");
    assertEquals("db", causes.get(0).get("component").asText(), causes.toString());
    assertTrue(causes.get(0).get("score").asInt() > causes.get(1).get("score").asInt(), causes.toString());

    assertEquals(404, f.get("/api/v1/incidents/i-zzzz", admin).status());
    assertEquals(404, f.get("/api/v1/incidents/not-an-id", admin).status());
  }

  @Test
  void badIncidentsAreRefusedNamingTheProblemAndNothingIsStored() {
    String good = Incidents.json("payments", "fp", T0);
    String[][] cases = {
        {good.replace("\"faultline.fingerprint\"", "\"fingerprint\""), "unknown attribute \"fingerprint\""},
        {good.replace("\"thread.id\":7,", ""), "missing attribute \"thread.id\""},
        {good.replace("\"process.pid\":42", "\"process.pid\":\"42\""), "\"process.pid\" is not an integer"},
        {good.replace("\"ERROR\"", "\"LOUD\""), "is not a severity: LOUD"},
        {good.replace(Views.time(T0), "yesterday"), "is not an ISO-8601 instant"},
        {"[" + good + ",{\"faultline.fingerprint\":1}]", "incidents[1] is not a valid incident"},
        {"[" + good + ",42]", "incidents[1] must be a JSON object"},
        {"[]", "1 to 100 incidents"},
        {"\"text\"", "must be a JSON array of incidents or one incident"},
        {"{\"faultline.fingerprint\":", "malformed JSON"},
        {"{\"version\":2," + good.substring(1), "unsupported incident format version 2 (this build reads version 1)"},
    };
    for (String[] c : cases) {
      ServerFixture.Reply reply = f.post("/api/v1/incidents", key, c[0]);
      assertEquals(400, reply.status(), c[0] + " -> " + reply);
      assertTrue(reply.json().get("message").asText().contains(c[1]), c[1] + " in " + reply);
      assertFalse(reply.body().contains("\tat "), reply.body());
    }
    StringBuilder many = new StringBuilder("[");
    for (int i = 0; i < 101; i++) {
      many.append(i == 0 ? "" : ",").append(Incidents.json("p", "fp", T0).replace("timed out\\n\\tat a.B.c(B.java:1)"
          + "\\n", ""));
    }
    many.append(']');
    ServerFixture.Reply tooMany = f.post("/api/v1/incidents", key, many.toString());
    assertTrue(tooMany.status() == 400 || tooMany.status() == 413, tooMany.toString());
    String huge = Incidents.json("payments", "fp", T0, List.of("x".repeat(70 * 1024)));
    assertEquals(413, f.post("/api/v1/incidents", key, huge).status());
    assertEquals(0, f.get("/api/v1/incidents", admin).json().get("incidents").size());
    assertEquals(0, f.get("/api/v1/issues", admin).json().get("issues").size());
    assertEquals(0, f.get("/api/v1/services", admin).json().get("services").size());
  }

  @Test
  void onlyServiceKeysIngestAndTheirServiceIsTheKeys() throws IOException {
    assertEquals(403, f.post("/api/v1/incidents", admin, Incidents.json("payments", "fp", T0)).status());
    assertEquals(202, f.post("/api/v1/incidents", key, Incidents.of(new IllegalStateException("x"), "anything"))
        .status());
    JsonNode incident = f.get("/api/v1/incidents", admin).json().get("incidents").get(0);
    assertEquals("payments", incident.get("service").asText());
    assertEquals("anything", incident.get("component").asText());
  }

  /**
   * The library writes the format version first; reporters built before it wrote none: both are taken and listed.
   */
  @Test
  void incidentsWithTheFormatVersionAndWithoutItAreBothTaken() {
    String versioned = Incidents.of(new IllegalStateException("x"), "new-reporter");
    assertTrue(versioned.startsWith("{\"version\":1,"), versioned);
    String unversioned = Incidents.json("old-reporter", "fp", T0);
    assertFalse(unversioned.contains("\"version\""), unversioned);
    assertEquals(202, f.post("/api/v1/incidents", key, "[" + versioned + "," + unversioned + "]").status());
    JsonNode incidents = f.get("/api/v1/incidents", admin).json().get("incidents");
    assertEquals(2, incidents.size(), incidents.toString());
    String id = incidents.get(0).get("id").asText();
    assertEquals(200, f.get("/api/v1/incidents/" + id, admin).status());
  }
}
