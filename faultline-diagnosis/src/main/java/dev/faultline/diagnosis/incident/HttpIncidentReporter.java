package dev.faultline.diagnosis.incident;

import dev.faultline.core.internal.Validate;
import dev.faultline.core.ConfigurationException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends incidents to the console over HTTP: each one is POSTed as JSON ({@link IncidentJson}) with an
 * {@code Authorization: Bearer <api key>} header, by one worker thread, from a bounded queue; thread-safe.
 *
 * <p>{@link #report} never blocks: when the queue is full the incident is dropped and counted in {@link #dropped()}.
 * A response other than 2xx, a failure to connect, or a request the client refuses counts in {@link #failed()}; the
 * incident is not retried.
 * {@link #close()} stops taking incidents, lets the worker send what is queued for up to the close timeout, then
 * interrupts it and counts what is left as dropped.
 *
 * <p>Concurrency: the queue is the only hand-off between callers and the worker; the counters are atomics;
 * {@code closing} is volatile and only ever goes from false to true. The worker leaves when it takes the closing
 * marker, or when it finds the queue empty after closing began (the marker could not be queued because the queue was
 * full).
 */
public final class HttpIncidentReporter implements IncidentReporter {
  private static final Object CLOSE = new Object();

  private final URI uri;
  private final String apiKey;
  private final HttpClient client;
  private final Duration requestTimeout;
  private final Duration closeTimeout;
  private final BlockingQueue<Object> queue;
  private final Thread worker;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean closing;

  private HttpIncidentReporter(Builder b) {
    this.uri = b.uri;
    this.apiKey = b.apiKey;
    this.client = b.client != null ? b.client : HttpClient.newBuilder().connectTimeout(b.requestTimeout).build();
    this.requestTimeout = b.requestTimeout;
    this.closeTimeout = b.closeTimeout;
    this.queue = new ArrayBlockingQueue<>(b.queueCapacity + 1);
    this.worker = new Thread(this::run, "faultline-incident-http");
    this.worker.setDaemon(true);
    this.worker.start();
  }

  /** A builder; not thread-safe. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Queues the incident for sending, or drops it if the queue is full; never blocks.
   *
   * @throws IllegalStateException if the reporter is closed
   */
  @Override
  public void report(Incident incident) {
    Validate.notNull("incident", incident);
    if (closing) {
      throw new IllegalStateException("the HTTP incident reporter for " + uri + " is closed");
    }
    // One slot is kept for the closing marker: offer only while the queue has more than one free slot.
    if (queue.remainingCapacity() <= 1 || !queue.offer(incident)) {
      dropped.incrementAndGet();
    }
  }

  /** Incidents sent and answered with a 2xx status. */
  public long sent() {
    return sent.get();
  }

  /** Incidents that were sent but failed: an error status or an I/O failure. */
  public long failed() {
    return failed.get();
  }

  /** Incidents dropped because the queue was full, or left unsent when the reporter closed. */
  public long dropped() {
    return dropped.get();
  }

  /** Incidents queued and not yet taken by the worker. */
  public int queued() {
    int n = 0;
    for (Object o : queue) {
      if (o != CLOSE) {
        n++;
      }
    }
    return n;
  }

  private void run() {
    try {
      while (true) {
        Object next = queue.take();
        if (next == CLOSE) {
          return;
        }
        send((Incident) next);
        if (closing && queue.isEmpty()) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void send(Incident incident) throws InterruptedException {
    try {
      HttpRequest request = HttpRequest.newBuilder(uri)
          .timeout(requestTimeout)
          .header("Content-Type", "application/json")
          .header("Authorization", "Bearer " + apiKey)
          .POST(HttpRequest.BodyPublishers.ofString(IncidentJson.write(incident)))
          .build();
      HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() / 100 == 2) {
        sent.incrementAndGet();
      } else {
        failed.incrementAndGet();
      }
    } catch (IOException | RuntimeException e) {
      // A request the client refuses (an API key or URI it rejects, say) fails like an I/O error: the worker must
      // survive it, or this incident is lost uncounted and the queue is never served again.
      failed.incrementAndGet();
    } catch (InterruptedException e) {
      // close() gave up waiting: the incident in flight is lost, and counted so.
      dropped.incrementAndGet();
      throw e;
    }
  }

  /**
   * Stops taking incidents and waits up to the close timeout for the queued ones to be sent; what is left is counted
   * as dropped.
   */
  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    queue.offer(CLOSE);
    try {
      worker.join(Math.max(1, closeTimeout.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (worker.isAlive()) {
      worker.interrupt();
    }
    Object left;
    while ((left = queue.poll()) != null) {
      if (left != CLOSE) {
        dropped.incrementAndGet();
      }
    }
  }

  /** Builds an {@link HttpIncidentReporter}; not thread-safe. */
  public static final class Builder {
    private URI uri;
    private String apiKey;
    private int queueCapacity = 1024;
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration closeTimeout = Duration.ofSeconds(30);
    private HttpClient client;

    private Builder() {}

    /** The console's incident endpoint, an absolute {@code http} or {@code https} URI with a host; required. */
    public Builder uri(URI uri) {
      Validate.notNull("uri", uri);
      String scheme = uri.getScheme();
      if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
        throw new ConfigurationException("uri", "be an http or https URI", uri);
      }
      if (uri.getHost() == null) {
        throw new ConfigurationException("uri", "name a host (http://host:port/path)", uri);
      }
      this.uri = uri;
      return this;
    }

    /**
     * The API key sent as a bearer token; required. Refused if it holds a control character or a space (a key read
     * from a file with its trailing newline): no request could carry it, so every incident would fail.
     */
    public Builder apiKey(String apiKey) {
      Validate.notBlank("apiKey", apiKey);
      for (int i = 0; i < apiKey.length(); i++) {
        char c = apiKey.charAt(i);
        if (c <= ' ' || c == 0x7f || c > 0x7e) {
          throw new ConfigurationException("apiKey", "hold printable ASCII characters only, no space (a trailing"
              + " newline read from a file?); character " + i + " is U+" + String.format("%04X", (int) c),
              "(not shown)");
        }
      }
      this.apiKey = apiKey;
      return this;
    }

    /** How many incidents may wait to be sent; default 1024. */
    public Builder queueCapacity(int capacity) {
      this.queueCapacity = Validate.atLeast("queueCapacity", capacity, 1);
      return this;
    }

    /** The timeout of one request (and of connecting, for the default client); default 10 s. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Validate.positive("requestTimeout", timeout);
      return this;
    }

    /** How long {@link #close()} waits for queued incidents to be sent; default 30 s. */
    public Builder closeTimeout(Duration timeout) {
      this.closeTimeout = Validate.positive("closeTimeout", timeout);
      return this;
    }

    /** The HTTP client; default a new one with the request timeout as connect timeout. */
    public Builder httpClient(HttpClient client) {
      this.client = Validate.notNull("httpClient", client);
      return this;
    }

    /**
     * The reporter, with its worker thread started.
     *
     * @throws ConfigurationException if the URI or the API key is missing
     */
    public HttpIncidentReporter build() {
      Validate.notNull("uri", uri);
      Validate.notBlank("apiKey", apiKey);
      return new HttpIncidentReporter(this);
    }
  }
}
