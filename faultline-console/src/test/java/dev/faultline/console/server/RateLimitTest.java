package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests beyond the rate per address or per credential get 429 with Retry-After, and refill with time. */
class RateLimitTest {

  @TempDir
  Path dir;

  @Test
  void perAddressLimitAppliesToEveryRouteEvenUnauthenticated() {
    try (ServerFixture f = new ServerFixture(dir, b -> b.addressRateLimit(3, Duration.ofMinutes(1)))) {
      for (int i = 0; i < 3; i++) {
        assertEquals(200, f.get("/health", null).status());
      }
      ServerFixture.Reply limited = f.get("/health", null);
      assertEquals(429, limited.status(), limited.body());
      assertEquals("rate-limited", limited.error());
      assertEquals("20", limited.retryAfter());
      assertEquals(429, f.post("/api/v1/login", null, "{\"user\":\"admin\",\"password\":\"x\"}").status());

      f.clock.advance(Duration.ofSeconds(20));
      assertEquals(200, f.get("/health", null).status(), "one permit comes back every 20 s");
      assertEquals(429, f.get("/health", null).status());
    }
  }

  @Test
  void perKeyLimitRefusesIngestAndStoresNothingOfTheRefusedBatch() {
    try (ServerFixture f = new ServerFixture(dir, b -> b.credentialRateLimit(2, Duration.ofMinutes(1)))) {
      String admin = f.setUpAndLogInAdmin();
      String key = f.serviceKey(admin, "payments");
      String other = f.serviceKey(admin, "orders");
      String batch = "[{\"type\":\"CallFailed\",\"source\":\"s\",\"time\":0}]";
      assertEquals(202, f.post("/api/v1/events", key, batch).status());
      assertEquals(202, f.post("/api/v1/events", key, batch).status());
      ServerFixture.Reply limited = f.post("/api/v1/events", key, batch);
      assertEquals(429, limited.status(), limited.body());
      assertTrue(limited.json().get("message").asText().contains("credential"), limited.body());
      assertEquals(202, f.post("/api/v1/events", other, batch).status(), "each key has its own limit");

      f.clock.advance(Duration.ofSeconds(30));
      String viewer = f.userSession(f.logIn("admin", ServerFixture.ADMIN_PASSWORD), "victor", "viewer");
      assertEquals(3, f.get("/api/v1/events", viewer).json().get("events").size());
    }
  }
}
