package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests Jetty refuses before any handler runs (it cannot parse them) or on their way to Javalin are answered with
 * the API's JSON error and a stable code, like every other error: before, Jetty answered them with its own HTML page
 * ({@code <h1>Bad Message 400</h1>}), and API clients got HTML where they parse JSON. Sent over raw sockets, byte for
 * byte, because the JDK's HTTP client refuses to send a malformed URI.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MalformedRequestTest {
  @TempDir
  static Path dir;

  private ServerFixture fixture;

  @BeforeAll
  void start() {
    fixture = new ServerFixture(dir);
  }

  @AfterAll
  void stop() {
    fixture.close();
  }

  /** A response read off the socket: status, headers (names in lower case) and body. */
  record RawReply(int status, Map<String, String> headers, String body) {
    JsonNode json() {
      try {
        return ServerFixture.JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + this, e);
      }
    }

    @Override
    public String toString() {
      return status + " " + headers + " " + body;
    }
  }

  /** Sends {@code request} as it is and reads one response (its head, then {@code Content-Length} bytes of body). */
  static RawReply send(int port, byte[] request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new AssertionError("the connection ended before the response head did: " + head);
        }
        head.write(b);
      }
      String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
      assertNull(headers.get("transfer-encoding"), "a chunked error response: " + headers);
      int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
      String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
      return new RawReply(status, headers, body);
    }
  }

  /** A GET of {@code target} as written (ISO-8859-1 keeps a raw byte such as 0xFF one byte). */
  static byte[] get(String target, String moreHeaders) {
    return ("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + moreHeaders + "\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("bad percent-encoding in the path", get("/api/v1/%", ""), 400, "bad-request"),
        Arguments.of("bad percent-encoding in a path segment", get("/api/v1/fault-trees/%zz/analysis", ""), 400,
            "bad-request"),
        Arguments.of("truncated UTF-8 percent-encoding", get("/api/v1/services/%E0%A4%A", ""), 400, "bad-request"),
        Arguments.of("encoded NUL in the path", get("/api/v1/a%00b", ""), 400, "bad-request"),
        Arguments.of("a raw non-UTF-8 byte in the query", get("/api/v1/events?service=\u00ff", ""), 400,
            "bad-request"),
        Arguments.of("a raw non-UTF-8 byte in the path", get("/api/v1/\u00ff", ""), 400, "bad-request"),
        Arguments.of("a path above the root", get("/../etc/passwd", ""), 400, "bad-request"),
        Arguments.of("bad percent-encoding on a dashboard path", get("/%zz", ""), 400, "bad-request"),
        Arguments.of("an absolute URI with a bad percent-encoding", get("http://localhost/api/v1/%zz", ""), 400,
            "bad-request"),
        Arguments.of("the target *", get("*", ""), 400, "bad-request"),
        Arguments.of("an over-long URI", get("/api/v1/" + "a".repeat(ConsoleServer.MAX_REQUEST_HEAD_BYTES), ""),
            414, "uri-too-long"),
        Arguments.of("an over-long header", get("/api/v1/events",
            "X-Big: " + "a".repeat(ConsoleServer.MAX_REQUEST_HEAD_BYTES) + "\r\n"), 431, "headers-too-large"),
        Arguments.of("an illegal header name", get("/api/v1/events", "Bad Header: x\r\n"), 400, "bad-request"),
        Arguments.of("no Host header", "GET /api/v1/events HTTP/1.1\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII), 400, "bad-request"),
        Arguments.of("a bad Content-Length", ("POST /api/v1/events HTTP/1.1\r\nHost: localhost\r\n"
            + "Content-Length: abc\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII), 400,
            "bad-request"),
        Arguments.of("a request line without a URI", "GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 400,
            "bad-request"),
        Arguments.of("an unknown HTTP version", "GET /api/v1/events HTTP/9.9\r\nHost: localhost\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII), 505, "http-version-not-supported"),
        Arguments.of("a WebSocket upgrade nobody handles", ("GET /api/v1/events HTTP/1.1\r\nHost: localhost\r\n"
            + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII), 404, "not-found"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void aMalformedRequestGetsTheApisJsonErrorWithAStableCode(String what, byte[] request, int status, String code)
      throws IOException {
    RawReply reply = send(fixture.server.port(), request);
    assertEquals(status, reply.status(), what + ": " + reply);
    assertTrue(reply.headers().getOrDefault("content-type", "").startsWith("application/json"), what + ": " + reply);
    assertEquals(code, reply.json().path("error").asText(), what + ": " + reply);
    assertFalse(reply.json().path("message").asText().isBlank(), what + ": " + reply);
    assertEquals("nosniff", reply.headers().get("x-content-type-options"), what + ": " + reply);
    assertEquals("no-store", reply.headers().get("cache-control"), what + ": " + reply);
    assertFalse(reply.body().contains("<"), what + ": no HTML: " + reply);
    assertNull(reply.headers().get("server"), what + ": the server's name and version are not disclosed");
    assertNull(reply.headers().get("x-powered-by"), what);
  }

  /** Guard (passed before too): Javalin's Jetty sends neither {@code Server} nor {@code X-Powered-By}. */
  @Test
  void noResponseNamesTheServer() throws IOException {
    for (String target : new String[] {"/health", "/api/v1/events", "/api/v1/no-such-route", "/index.html"}) {
      RawReply reply = send(fixture.server.port(), get(target, ""));
      assertNull(reply.headers().get("server"), target + ": " + reply);
      assertNull(reply.headers().get("x-powered-by"), target + ": " + reply);
    }
  }

  /** Guard: a malformed query that Javalin decodes leniently stays a normal API answer (JSON, not 500). */
  @Test
  void aBadPercentEncodingInTheQueryOfAnApiRouteIsStillJson() throws IOException {
    RawReply reply = send(fixture.server.port(), get("/api/v1/events?service=%zz", ""));
    assertEquals(401, reply.status(), reply.toString());
    assertEquals("unauthenticated", reply.json().path("error").asText());
  }
}
