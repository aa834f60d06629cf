package dev.faultline.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.faultline.diagnosis.incident.Incident;
import dev.faultline.diagnosis.incident.IncidentJson;
import dev.faultline.diagnosis.incident.IncidentJsonException;
import java.nio.charset.StandardCharsets;

/**
 * The incident report JSON reader under Jazzer: any text either reads into an incident or fails with an
 * {@link IncidentJsonException} naming a position inside the text, and an incident that was read writes back to JSON
 * that reads to the same incident.
 */
class IncidentJsonFuzzTest {

  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({"{", "}", "[", "]", ":", ",", "\"", "\\u", "\\ud83d\\ude00", "null", "true", "false", "-0.5e3",
      "\"faultline.fingerprint\"", "\"faultline.time\"", "\"2026-01-02T03:04:05Z\"", "\"faultline.component\"",
      "\"faultline.severity\"", "\"ERROR\"", "\"FATAL\"", "\"error.type\"", "\"exception.type\"",
      "\"exception.message\"", "\"exception.stacktrace\"", "\"trace_id\"", "\"span_id\"", "\"host.name\"",
      "\"process.pid\"", "\"thread.name\"", "\"thread.id\"", "\"faultline.mdc\"", "\"faultline.log_lines\"",
      "9223372036854775807", "9223372036854775808"})
  void read(byte[] bytes) {
    String json = new String(bytes, StandardCharsets.UTF_8);
    Incident incident;
    try {
      incident = IncidentJson.read(json);
    } catch (IncidentJsonException e) {
      assertTrue(e.position() >= 0 && e.position() <= json.length(),
          () -> "position " + e.position() + " lies in a text of " + json.length() + " characters");
      assertEquals("malformed-incident-json", e.code());
      return;
    }
    String written = IncidentJson.write(incident);
    Incident again = IncidentJson.read(written);
    assertEquals(incident, again, "reading the written incident gives the same incident");
    assertEquals(written, IncidentJson.write(again));
  }
}
