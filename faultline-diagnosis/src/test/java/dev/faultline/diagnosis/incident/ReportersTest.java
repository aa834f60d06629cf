package dev.faultline.diagnosis.incident;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.testing.FakeClock;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log, file and HTTP reporters. */
class ReportersTest {
  @TempDir
  Path dir;

  private final FakeClock clock = new FakeClock();

  /** A System.Logger that keeps what it is given. */
  static final class CapturingLogger implements System.Logger {
    final List<String> lines = new ArrayList<>();
    final List<Level> levels = new ArrayList<>();

    @Override
    public String getName() {
      return "capture";
    }

    @Override
    public boolean isLoggable(Level level) {
      return level.getSeverity() >= Level.INFO.getSeverity();
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
      levels.add(level);
      lines.add(msg);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
      log(level, bundle, format, (Throwable) null);
    }
  }

  @Test
  void logReporterMapsSeverityToLevel() {
    CapturingLogger logger = new CapturingLogger();
    LogIncidentReporter reporter = new LogIncidentReporter(logger);
    Incident full = Incidents.full(clock);
    reporter.report(full);
    reporter.report(Incident.builder(new IllegalStateException("w")).component("c").severity(Severity.WARNING)
        .clock(clock).build());
    assertEquals(List.of(System.Logger.Level.ERROR, System.Logger.Level.WARNING), logger.levels);
    String line = logger.lines.get(0);
    assertTrue(line.startsWith("incident " + full.fingerprint() + " in orders: java.util.concurrent.ExecutionException"),
        line);
    assertTrue(line.contains("(root cause java.lang.IllegalStateException) trace_id=4bf92f3577b34da6a3ce929d0e0e4736"),
        line);
    assertTrue(line.contains("at com.acme.Repo.load(Repo.java:12)"), line);
  }

  @Test
  void fileReporterWritesJsonLines() throws IOException {
    Path file = dir.resolve("incidents.jsonl");
    Incident a = Incidents.full(clock);
    Incident b = Incidents.incident(clock, "save", "second");
    try (FileIncidentReporter reporter = new FileIncidentReporter(file)) {
      reporter.report(a);
      reporter.report(b);
    }
    FileIncidentReporter reopened = new FileIncidentReporter(file);
    reopened.report(a);
    reopened.close();
    reopened.close();
    assertThrows(IllegalStateException.class, () -> reopened.report(b));
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertEquals(3, lines.size());
    assertEquals(a, IncidentJson.read(lines.get(0)));
    assertEquals(b, IncidentJson.read(lines.get(1)));
    assertEquals(a, IncidentJson.read(lines.get(2)));
  }

  @Test
  void fileReporterSurvivesAMessageCutInsideASurrogatePair() throws IOException {
    Path file = dir.resolve("incidents.jsonl");
    // A message truncated by char count between the two halves of an emoji: a lone high surrogate.
    Incident cut = Incidents.incident(clock, "load", "payload \uD83D\uDE00\uD83D\uDE01".substring(0, 11));
    Incident next = Incidents.incident(clock, "save", "second");
    try (FileIncidentReporter reporter = new FileIncidentReporter(file)) {
      reporter.report(cut);
      reporter.report(next);
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertEquals(2, lines.size(), "both incidents written, one line each: " + lines);
    assertEquals("payload \uD83D\uDE00\uFFFD", IncidentJson.read(lines.get(0)).exceptionMessage());
    assertEquals(next, IncidentJson.read(lines.get(1)));
  }

  /** A channel of a real file whose writes, once armed, write {@code allowed} more bytes and then fail (a full disk). */
  static final class FillingChannel extends java.nio.channels.FileChannel {
    final java.nio.channels.FileChannel file;
    volatile int allowed = -1;

    FillingChannel(java.nio.channels.FileChannel file) {
      this.file = file;
    }

    @Override
    public int write(java.nio.ByteBuffer source) throws IOException {
      if (allowed < 0) {
        return file.write(source);
      }
      int n = Math.min(allowed, source.remaining());
      allowed -= n;
      if (n > 0) {
        java.nio.ByteBuffer part = source.duplicate();
        part.limit(part.position() + n);
        file.write(part);
        source.position(source.position() + n);
        return n;
      }
      throw new IOException("No space left on device");
    }

    @Override
    public int read(java.nio.ByteBuffer dst) throws IOException {
      return file.read(dst);
    }

    @Override
    public long read(java.nio.ByteBuffer[] dsts, int offset, int length) throws IOException {
      return file.read(dsts, offset, length);
    }

    @Override
    public long write(java.nio.ByteBuffer[] srcs, int offset, int length) throws IOException {
      return file.write(srcs, offset, length);
    }

    @Override
    public long position() throws IOException {
      return file.position();
    }

    @Override
    public java.nio.channels.FileChannel position(long newPosition) throws IOException {
      file.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return file.size();
    }

    @Override
    public java.nio.channels.FileChannel truncate(long size) throws IOException {
      file.truncate(size);
      return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      file.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, java.nio.channels.WritableByteChannel target)
        throws IOException {
      return file.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(java.nio.channels.ReadableByteChannel src, long position, long count)
        throws IOException {
      return file.transferFrom(src, position, count);
    }

    @Override
    public int read(java.nio.ByteBuffer dst, long position) throws IOException {
      return file.read(dst, position);
    }

    @Override
    public int write(java.nio.ByteBuffer src, long position) throws IOException {
      return file.write(src, position);
    }

    @Override
    public java.nio.MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      return file.map(mode, position, size);
    }

    @Override
    public java.nio.channels.FileLock lock(long position, long size, boolean shared) throws IOException {
      return file.lock(position, size, shared);
    }

    @Override
    public java.nio.channels.FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return file.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      file.close();
    }
  }

  /**
   * Before, the line went through a BufferedWriter: after a failed flush its characters stayed in the buffer, and the
   * next report wrote them ahead of its own line, so an incident the caller was told had failed (and may have reported
   * again) appeared anyway, or a torn line came first.
   */
  @Test
  void aLineTheDiskCannotTakeIsCutOffSoTheFileHoldsWholeLinesOnly() throws IOException {
    Path file = dir.resolve("incidents.jsonl");
    FillingChannel channel = new FillingChannel(java.nio.channels.FileChannel.open(file,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND,
        java.nio.file.StandardOpenOption.WRITE));
    Incident first = Incidents.incident(clock, "load", "first");
    Incident failed = Incidents.incident(clock, "load", "failed");
    Incident third = Incidents.incident(clock, "save", "third");
    try (FileIncidentReporter reporter = new FileIncidentReporter(file, channel)) {
      reporter.report(first);
      channel.allowed = 10;
      java.io.UncheckedIOException full = assertThrows(java.io.UncheckedIOException.class,
          () -> reporter.report(failed));
      assertTrue(full.getMessage().contains("nothing of it was kept"), full.getMessage());
      channel.allowed = -1;
      reporter.report(third);
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertEquals(2, lines.size(), "whole lines only: " + lines);
    assertEquals(first, IncidentJson.read(lines.get(0)));
    assertEquals(third, IncidentJson.read(lines.get(1)));
  }

  @Test
  void httpReporterPostsJsonWithTheApiKeyAndNeverBlocks() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    List<String> bodies = new CopyOnWriteArrayList<>();
    List<String> auth = new CopyOnWriteArrayList<>();
    List<String> types = new CopyOnWriteArrayList<>();
    CountDownLatch firstArrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger requests = new AtomicInteger();
    server.createContext("/api/incidents", exchange -> {
      try (InputStream in = exchange.getRequestBody()) {
        bodies.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
      auth.add(exchange.getRequestHeaders().getFirst("Authorization"));
      types.add(exchange.getRequestHeaders().getFirst("Content-Type"));
      int n = requests.incrementAndGet();
      if (n == 1) {
        firstArrived.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      exchange.sendResponseHeaders(n == 2 ? 500 : 202, -1);
      exchange.close();
    });
    server.start();
    try {
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/incidents");
      HttpIncidentReporter reporter = HttpIncidentReporter.builder().uri(uri).apiKey("k-123").queueCapacity(2)
          .build();
      Incident first = Incidents.full(clock);
      reporter.report(first);
      assertTrue(firstArrived.await(30, TimeUnit.SECONDS), "first request reached the server");
      // The worker is blocked on the first request: two more fit in the queue, the rest are dropped at once.
      for (int i = 0; i < 5; i++) {
        reporter.report(Incidents.incident(clock, "load", "queued " + i));
      }
      assertEquals(3, reporter.dropped());
      assertEquals(2, reporter.queued());
      release.countDown();
      reporter.close();
      assertThrows(IllegalStateException.class, () -> reporter.report(first));
      assertEquals(3, requests.get());
      assertEquals(2, reporter.sent());
      assertEquals(1, reporter.failed(), "the 500 answer counts as failed");
      assertEquals(3, reporter.dropped());
      assertEquals(List.of("Bearer k-123", "Bearer k-123", "Bearer k-123"), auth);
      assertEquals("application/json", types.get(0));
      assertEquals(first, IncidentJson.read(bodies.get(0)));
      assertEquals("queued 0", IncidentJson.read(bodies.get(1)).exceptionMessage());
    } finally {
      release.countDown();
      server.stop(0);
    }
  }

  @Test
  void httpReporterCountsUnreachableConsoleAsFailed() throws Exception {
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    HttpIncidentReporter reporter = HttpIncidentReporter.builder()
        .uri(URI.create("http://127.0.0.1:" + port + "/x")).apiKey("k").build();
    reporter.report(Incidents.incident(clock, "load", "m"));
    reporter.close();
    assertEquals(1, reporter.failed());
    assertEquals(0, reporter.sent());
  }

  /** An HTTP client that refuses every request with an unchecked exception, as a client refuses a bad header. */
  static final class RefusingClient extends java.net.http.HttpClient {
    final AtomicInteger asked = new AtomicInteger();

    @Override
    public <T> java.net.http.HttpResponse<T> send(java.net.http.HttpRequest request,
        java.net.http.HttpResponse.BodyHandler<T> handler) {
      asked.incrementAndGet();
      throw new IllegalArgumentException("refused by the client");
    }

    @Override
    public <T> java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<T>> sendAsync(
        java.net.http.HttpRequest request, java.net.http.HttpResponse.BodyHandler<T> handler) {
      throw new UnsupportedOperationException("not used by the reporter");
    }

    @Override
    public <T> java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<T>> sendAsync(
        java.net.http.HttpRequest request, java.net.http.HttpResponse.BodyHandler<T> handler,
        java.net.http.HttpResponse.PushPromiseHandler<T> push) {
      throw new UnsupportedOperationException("not used by the reporter");
    }

    @Override
    public java.util.Optional<java.net.CookieHandler> cookieHandler() {
      return java.util.Optional.empty();
    }

    @Override
    public java.util.Optional<Duration> connectTimeout() {
      return java.util.Optional.empty();
    }

    @Override
    public Redirect followRedirects() {
      return Redirect.NEVER;
    }

    @Override
    public java.util.Optional<java.net.ProxySelector> proxy() {
      return java.util.Optional.empty();
    }

    @Override
    public javax.net.ssl.SSLContext sslContext() {
      return null;
    }

    @Override
    public javax.net.ssl.SSLParameters sslParameters() {
      return new javax.net.ssl.SSLParameters();
    }

    @Override
    public java.util.Optional<java.net.Authenticator> authenticator() {
      return java.util.Optional.empty();
    }

    @Override
    public Version version() {
      return Version.HTTP_1_1;
    }

    @Override
    public java.util.Optional<java.util.concurrent.Executor> executor() {
      return java.util.Optional.empty();
    }
  }

  @Test
  void httpReporterCountsARequestTheClientRefusesAsFailedAndKeepsWorking() throws Exception {
    // Before, the worker died on the first unchecked exception: that incident was counted nowhere, and the second
    // waited in the queue until close() counted it as dropped.
    RefusingClient client = new RefusingClient();
    HttpIncidentReporter reporter = HttpIncidentReporter.builder().uri(URI.create("http://127.0.0.1:9/x"))
        .apiKey("k-123").httpClient(client).build();
    reporter.report(Incidents.incident(clock, "load", "first"));
    reporter.report(Incidents.incident(clock, "load", "second"));
    reporter.close();
    assertEquals(2, client.asked.get(), "the worker went on to the second incident");
    assertEquals(0, reporter.sent());
    assertEquals(0, reporter.dropped(), "the worker took both: none was left unsent");
    assertEquals(2, reporter.failed(), "each incident is accounted for, none lost silently");
  }

  @Test
  void anApiKeyNoRequestCouldCarryAndAUriWithoutHostAreRefusedAtOnce() {
    ConfigurationException newline = assertThrows(ConfigurationException.class,
        () -> HttpIncidentReporter.builder().apiKey("k-123\n"));
    assertEquals("apiKey", newline.field());
    assertTrue(newline.getMessage().contains("trailing newline") && !newline.getMessage().contains("k-123"),
        "names the likely cause and does not show the key: " + newline.getMessage());
    assertEquals("apiKey", assertThrows(ConfigurationException.class,
        () -> HttpIncidentReporter.builder().apiKey("two words")).field());
    assertEquals("uri", assertThrows(ConfigurationException.class,
        () -> HttpIncidentReporter.builder().uri(URI.create("http:/no-host"))).field());
  }

  @Test
  void httpSettingsAreValidated() {
    assertEquals("uri", assertThrows(ConfigurationException.class,
        () -> HttpIncidentReporter.builder().uri(URI.create("ftp://x/"))).field());
    assertEquals("uri", assertThrows(ConfigurationException.class,
        () -> HttpIncidentReporter.builder().apiKey("k").build()).field());
    assertEquals("apiKey", assertThrows(ConfigurationException.class,
        () -> HttpIncidentReporter.builder().uri(URI.create("http://x/")).build()).field());
    assertEquals("queueCapacity", assertThrows(ConfigurationException.class,
        () -> HttpIncidentReporter.builder().queueCapacity(0)).field());
    assertEquals("requestTimeout", assertThrows(ConfigurationException.class,
        () -> HttpIncidentReporter.builder().requestTimeout(Duration.ZERO)).field());
  }
}
