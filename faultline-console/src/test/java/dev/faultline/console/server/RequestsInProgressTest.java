package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One client address may hold only so many requests in progress: a client sending its bodies slowly held a server
 * thread per connection, and a few hundred connections (a few seconds under the rate limit) starved every other
 * client (GET /health timed out). Each place is given back whatever the request's outcome.
 */
class RequestsInProgressTest {
  @TempDir
  Path dir;

  /** Opens a connection from {@code from} and sends a login request whose body never comes. */
  private static Socket slowLogin(InetAddress from, int port) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port, from, 0);
    socket.setSoTimeout(10_000);
    OutputStream out = socket.getOutputStream();
    out.write(("POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Content-Length: 1000\r\n\r\n{\"user\":").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  @Test
  void aClientSendingBodiesSlowlyHoldsAtMostItsPlacesAndOthersAreServed() throws Exception {
    InetAddress slow = InetAddress.getByName("127.0.0.2"); // the loopback network: another client address
    try (ServerFixture f = new ServerFixture(dir, b -> b.maxRequestsInProgressPerAddress(8))) {
      List<Socket> sockets = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          sockets.add(slowLogin(slow, f.server.port()));
        }
        assertTrue(f.server.awaitInProgress("127.0.0.2", 8, java.time.Duration.ofSeconds(20)),
            "the server never took the 8 slow requests");
        // The 9th from that address is refused at once, its body unread; the others hold their threads.
        try (Socket ninth = slowLogin(slow, f.server.port())) {
          String status = new BufferedReader(new InputStreamReader(ninth.getInputStream(),
              StandardCharsets.US_ASCII)).readLine();
          assertEquals("HTTP/1.1 429 Too Many Requests", status);
        }
        assertEquals(200, f.get("/health", null).status(), "another client was not served");
      } finally {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }

  @Test
  void everyOutcomeGivesItsPlaceBack() {
    try (ServerFixture f = new ServerFixture(dir, b -> b.maxRequestsInProgressPerAddress(2))) {
      String admin = f.setUpAndLogInAdmin();
      for (int i = 0; i < 5; i++) {
        assertEquals(404, f.get("/api/v1/no-such-route", admin).status());
        assertEquals(401, f.get("/api/v1/events", "not-a-token").status());
        assertEquals(400, f.post("/api/v1/login", null, "{not json").status());
        assertEquals(200, f.get("/health", null).status());
      }
      assertEquals(0, f.server.inProgress("127.0.0.1"));
    }
  }
}
