package dev.faultline.bench;

import dev.faultline.console.server.ConsoleServer;
import dev.faultline.core.Clock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Load test of the console's ingest: a {@code ConsoleServer} on loopback with its embedded journal store (durable:
 * every batch is forced to disk before 202), and {@code clients} threads, each posting batches of {@code batch} events
 * to {@code POST /api/v1/events} with its own service key over HTTP/1.1, as fast as the server answers. After a
 * warm-up it measures for {@code seconds} and prints events/s, requests/s and the latency percentiles of the requests
 * (from sending to the full answer).
 *
 * <p>With {@code --rate EVENTS} the clients send on a fixed schedule that offers that many events per second in total
 * (open loop), and a request's latency counts from when it was due, not from when it was sent: a server that falls
 * behind is charged for the wait it causes (no coordinated omission). Without it they send as fast as they are
 * answered (closed loop), which measures the most the server sustains.
 *
 * <pre>
 * java -jar faultline-bench/target/benchmarks.jar ingest [--clients 8] [--batch 100] [--seconds 20]
 *     [--warmup 5] [--rate EVENTS_PER_SECOND] [--default-limits] [--dir DIR]
 * </pre>
 *
 * <p>The server's rate limits are raised to let the load through, except with {@code --default-limits} (100 requests
 * per second per address, 200 per key): then every client shares one loopback address, so batches must be large.
 * Single-use program; not thread-safe as a whole (each client thread owns its latency array).
 */
public final class IngestLoad {
  private final int clients;
  private final int batch;
  private final Duration warmup;
  private final Duration measure;
  private final boolean defaultLimits;
  private final long rate;
  private final Path dir;
  private final Clock clock = Clock.system();

  private IngestLoad(int clients, int batch, Duration warmup, Duration measure, boolean defaultLimits, long rate,
      Path dir) {
    this.clients = clients;
    this.batch = batch;
    this.warmup = warmup;
    this.measure = measure;
    this.defaultLimits = defaultLimits;
    this.rate = rate;
    this.dir = dir;
  }

  /** Parses the options and runs the load. */
  public static void main(String[] args) throws Exception {
    int clients = 8;
    int batch = 100;
    int seconds = 20;
    int warmup = 5;
    boolean defaultLimits = false;
    long rate = 0;
    Path dir = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--clients" -> clients = Integer.parseInt(args[++i]);
        case "--batch" -> batch = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--default-limits" -> defaultLimits = true;
        case "--rate" -> rate = Long.parseLong(args[++i]);
        case "--dir" -> dir = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --clients N"
            + " --batch N --seconds N --warmup N --rate EVENTS_PER_SECOND --default-limits --dir DIR");
      }
    }
    if (clients < 1 || batch < 1 || batch > 1000 || seconds < 1 || warmup < 0 || rate < 0) {
      throw new IllegalArgumentException("--clients >= 1, --batch 1..1000, --seconds >= 1, --warmup >= 0,"
          + " --rate >= 0");
    }
    boolean temporary = dir == null;
    Path data = temporary ? Files.createTempDirectory("faultline-ingest-load") : dir;
    try {
      new IngestLoad(clients, batch, Duration.ofSeconds(warmup), Duration.ofSeconds(seconds), defaultLimits, rate,
          data).run();
    } finally {
      if (temporary) {
        delete(data);
      }
    }
  }

  private void run() throws Exception {
    ConsoleServer.Builder builder = ConsoleServer.builder(dir).port(0).maxBatch(1000);
    if (!defaultLimits) {
      builder.addressRateLimit(1_000_000, Duration.ofSeconds(1)).credentialRateLimit(1_000_000, Duration.ofSeconds(1));
    }
    try (ConsoleServer server = builder.start()) {
      URI events = URI.create(server.baseUri() + "/api/v1/events");
      List<Client> threads = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        threads.add(new Client(i, events, server.createServiceKey("service-" + i), body(i)));
      }
      long start = clock.nanoTime();
      long measureFrom = start + warmup.toNanos();
      long measureTo = measureFrom + measure.toNanos();
      CountDownLatch done = new CountDownLatch(clients);
      for (Client client : threads) {
        Thread thread = new Thread(() -> {
          try {
            client.run(start, measureFrom, measureTo);
          } finally {
            done.countDown();
          }
        }, "ingest-client");
        thread.setDaemon(true);
        thread.start();
      }
      done.await();
      report(threads);
    }
  }

  /** A batch of events as a service would send them: a few event kinds, times in milliseconds. */
  private byte[] body(int client) {
    String[] types = {"AttemptFailed", "RetryScheduled", "CircuitStateChanged", "ComponentFailed",
        "ComponentRecovered"};
    StringBuilder json = new StringBuilder(batch * 120).append('[');
    long time = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    for (int i = 0; i < batch; i++) {
      if (i > 0) {
        json.append(',');
      }
      json.append("{\"type\":\"").append(types[i % types.length]).append("\",\"source\":\"worker-").append(client)
          .append("\",\"time\":").append(time + i).append(",\"fields\":{\"attempt\":").append(i % 3)
          .append(",\"cause\":\"java.io.IOException: connection reset\"}}");
    }
    return json.append(']').toString().getBytes(StandardCharsets.UTF_8);
  }

  /** One client thread: its own HTTP client, key and latency record. */
  private final class Client {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final int index;
    private final URI uri;
    private final String key;
    private final byte[] body;
    private long[] latencies = new long[1 << 16];
    private long[] lags = new long[1 << 16];
    private int measured;
    private long errors;
    private final AtomicLong lastError = new AtomicLong();
    private String errorText;

    Client(int index, URI uri, String key, byte[] body) {
      this.index = index;
      this.uri = uri;
      this.key = key;
      this.body = body;
    }

    void run(long start, long measureFrom, long measureTo) {
      HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
          .header("Authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
      // Open loop: this client's share of the rate, as a fixed interval between the times its requests are due.
      long interval = rate == 0 ? 0 : (long) (1e9 * clients * batch / rate);
      long due = start + interval * index / clients;  // spread the clients over the interval
      while (true) {
        long now = clock.nanoTime();
        if (interval > 0 && due - now > 0) {
          try {
            clock.sleep(due - now);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        long sent = interval > 0 ? due : clock.nanoTime();
        long lag = clock.nanoTime() - sent;
        due += interval;
        if (clock.nanoTime() - measureTo >= 0) {
          return;
        }
        int status;
        try {
          HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
          status = response.statusCode();
        } catch (IOException e) {
          status = -1;
          errorText = e.toString();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        long answered = clock.nanoTime();
        if (sent - measureFrom < 0) {
          continue;
        }
        if (status != 202) {
          errors++;
          lastError.set(status);
          continue;
        }
        if (measured == latencies.length) {
          latencies = Arrays.copyOf(latencies, latencies.length * 2);
        }
        if (measured == lags.length) {
          lags = Arrays.copyOf(lags, lags.length * 2);
        }
        lags[measured] = lag;
        latencies[measured++] = answered - sent;
      }
    }
  }

  private void report(List<Client> threads) {
    long requests = 0;
    long errors = 0;
    long[] all = new long[threads.stream().mapToInt(c -> c.measured).sum()];
    long[] lagAll = new long[all.length];
    int at = 0;
    for (Client client : threads) {
      System.arraycopy(client.lags, 0, lagAll, at, client.measured);
      System.arraycopy(client.latencies, 0, all, at, client.measured);
      at += client.measured;
      requests += client.measured;
      errors += client.errors;
    }
    Arrays.sort(all);
    Arrays.sort(lagAll);
    double seconds = measure.toNanos() / 1e9;
    System.out.printf(Locale.ROOT, "clients %d, batch %d events, %s, %s limits, measured %.0f s after %d s warm-up%n",
        clients, batch, rate == 0 ? "closed loop" : "open loop offering " + rate + " events/s",
        defaultLimits ? "default" : "raised", seconds, warmup.toSeconds());
    System.out.printf(Locale.ROOT, "| clients | batch | events/s | requests/s | p50 ms | p90 ms | p99 ms | max ms |"
        + " errors |%n");
    System.out.printf(Locale.ROOT, "| %d | %d | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f | %d |%n", clients, batch,
        requests * batch / seconds, requests / seconds, percentile(all, 0.50), percentile(all, 0.90),
        percentile(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1e6, errors);
    if (rate > 0) {
      System.out.printf(Locale.ROOT, "of which the clients' own lag in sending (sleeping past the due time, or waiting"
          + " for the previous answer): p50 %.2f ms, p99 %.2f ms%n", percentile(lagAll, 0.5), percentile(lagAll, 0.99));
    }
    for (Client client : threads) {
      if (client.errors > 0) {
        System.out.println("client errors: " + client.errors + ", last status " + client.lastError.get()
            + (client.errorText == null ? "" : ", " + client.errorText));
        break;
      }
    }
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    }
  }
}
