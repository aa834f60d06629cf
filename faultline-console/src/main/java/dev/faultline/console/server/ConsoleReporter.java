package dev.faultline.console.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.FaultEventListener;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reports a service's {@link FaultEvent}s, heartbeats and metric samples to the console with the service's API key
 * ({@code docs/api.md}): a listener that never blocks its caller, and one worker thread that sends batches.
 *
 * <p>Events and samples wait in one bounded queue; when it is full they are dropped and counted in {@link #dropped()},
 * as are events without a time or a source (the console would refuse the whole batch for one of them).
 * The worker takes up to {@code batchSize} of them at a time and posts them to {@code /api/v1/events} and
 * {@code /api/v1/metrics}. Heartbeats go to {@code /api/v1/heartbeats}: every configured instance beats every
 * interval with the status last set for it ({@code UP} until {@link #status} says otherwise), and
 * {@link #status} beats at once. {@link #close()} stops taking items, sends what is queued for up to the close timeout,
 * then interrupts the worker and counts what is left as dropped.
 *
 * <h2>Retries</h2>
 * Each request gets a random {@code Idempotency-Key} (a UUID) when its batch is formed, and keeps it, with the same
 * body, across its retries: the console stores a batch once however often it is sent, so a batch whose first request
 * was stored but whose answer was lost can be sent again. A transient failure (an I/O failure such as a refused or
 * reset connection, a timeout, or the status 429, 502, 503 or 504) is retried after a wait that doubles from
 * {@code initialBackoff} up to {@code maxBackoff}, with jitter (a wait of {@code d} is drawn from {@code d/2..d}; a
 * {@code Retry-After} in seconds of 429 or 503 lengthens it, up to {@code maxBackoff}; an HTTP date or anything else
 * is ignored); at most {@code maxAttempts} attempts, and
 * no wait that would end more than {@code maxRetryTime} after the first attempt began. Defaults: 5 attempts, 250 ms
 * doubling to 10 s, 60 s in all. Any other answer, permanent failures among them (400, 401, 403, 413, 422), ends the
 * request at once. The waits are the clock's ({@link Clock#sleep}), so a fake clock makes them instant. While the
 * worker retries, it sends nothing else: items wait in the queue (and are dropped when it is full). Heartbeats carry
 * a key too but are not retried: the next beat replaces a lost one.
 *
 * <p>Every event and sample is counted once: in {@link #sent()} when its request was answered 202 (a replayed answer
 * included), in {@link #failed()} when its request ended otherwise (attempts or time used up, a permanent failure),
 * in {@link #dropped()} when it was never sent or its request (or the wait before a retry) was cut by
 * {@link #close()}.
 *
 * <h2>Concurrency design</h2>
 * The queue is the only hand-off of items between callers and the worker; {@code statuses} is a concurrent map
 * written by {@link #status} and read by the worker; {@code beatNow} is a flag set by {@link #status} and cleared by the
 * worker; counters are atomics; {@code closing} only goes from false to true. The worker's schedule (next beat times)
 * is its own. Thread-safe.
 */
public final class ConsoleReporter implements FaultEventListener, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ConsoleReporter.class.getName());
  private static final Object WAKE = new Object();
  private static final Object CLOSE = new Object();
  private static final long IDLE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

  private record Sample(String name, long timeMillis, double value, Map<String, String> tags) {}

  private record Status(String status, String detail) {}

  private final URI base;
  private final String apiKey;
  private final HttpClient client;
  private final Clock clock;
  private final int batchSize;
  private final Duration requestTimeout;
  private final Duration closeTimeout;
  private final int maxAttempts;
  private final long initialBackoffNanos;
  private final long maxBackoffNanos;
  private final long maxRetryTimeNanos;
  private final AtomicLong retries = new AtomicLong();
  private final Map<String, Duration> beats;
  private final ObjectMapper mapper = new ObjectMapper();
  private final BlockingQueue<Object> queue;
  private final Map<String, Status> statuses = new ConcurrentHashMap<>();
  private final Thread worker;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  /** Whether a sample the console would refuse was logged already (the first one is; later ones are only counted). */
  private final AtomicBoolean refusedLogged = new AtomicBoolean();
  private final AtomicLong heartbeats = new AtomicLong();
  private final AtomicBoolean beatNow = new AtomicBoolean();
  private volatile boolean closing;

  private ConsoleReporter(Builder b) {
    String text = b.base.toString();
    this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
    this.apiKey = b.apiKey;
    this.client = b.client != null ? b.client : HttpClient.newBuilder().connectTimeout(b.requestTimeout).build();
    this.clock = b.clock;
    this.batchSize = b.batchSize;
    this.requestTimeout = b.requestTimeout;
    this.closeTimeout = b.closeTimeout;
    this.maxAttempts = b.maxAttempts;
    this.initialBackoffNanos = b.initialBackoff.toNanos();
    this.maxBackoffNanos = b.maxBackoff.toNanos();
    this.maxRetryTimeNanos = b.maxRetryTime.toNanos();
    this.beats = Map.copyOf(b.beats);
    this.queue = new ArrayBlockingQueue<>(b.queueCapacity + 2);
    this.worker = new Thread(this::run, "faultline-console-reporter");
    this.worker.setDaemon(true);
    this.worker.start();
  }

  /** A builder of a reporter to the console at {@code base} (for example {@code http://127.0.0.1:7070}). */
  public static Builder builder(URI base, String apiKey) {
    return new Builder(base, apiKey);
  }

  /** Queues the event for sending, or drops and counts it when the queue is full or the reporter is closed. */
  @Override
  public void onEvent(FaultEvent event) {
    offer(event);
  }

  /**
   * Queues a metric sample taken now, or drops and counts it when the queue is full or the reporter is closed, or
   * when the console would refuse it (a name that is not a metric name, a value that is not finite, more than 16
   * tags or a tag too long: the console refuses the whole batch holding such a sample, so it is dropped alone, and
   * the first such drop is logged with its reason).
   */
  public void metric(String name, double value, Map<String, String> tags) {
    String refused = refusal(name, value, tags);
    if (refused != null) {
      dropped.incrementAndGet();
      if (!refusedLogged.getAndSet(true)) {
        LOG.log(System.Logger.Level.WARNING, "console reporter: dropped a metric sample the console would refuse ("
            + refused + "); later ones are dropped and counted in dropped() without a line each");
      }
      return;
    }
    offer(new Sample(name, clock.wallMillis(), value, Map.copyOf(tags)));
  }

  /** Why the console's ingest would refuse the sample (see IngestApi), or null. */
  private static String refusal(String name, double value, Map<String, String> tags) {
    if (name == null || !IngestApi.TYPE.matcher(name).matches()) {
      return "name '" + name + "' is not a metric name: a letter, then up to 99 letters, digits or _.:-";
    }
    if (!Double.isFinite(value)) {
      return name + " = " + value + ", not a finite number";
    }
    if (tags.size() > IngestApi.MAX_TAGS) {
      return name + " has " + tags.size() + " tags, more than " + IngestApi.MAX_TAGS;
    }
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      if (tag.getKey() == null || tag.getValue() == null || tag.getKey().length() > 100
          || tag.getValue().length() > 200) {
        return name + " has a tag that is not a string of at most 200 characters under a name of at most 100";
      }
    }
    return null;
  }

  /**
   * Sets the status ({@code UP}, {@code DEGRADED} or {@code DOWN}) that {@code instance} reports with its heartbeats,
   * and sends a heartbeat of it at once.
   *
   * @throws IllegalArgumentException if the status is none of those
   */
  public void status(String instance, String status, String detail) {
    if (!Set.of("UP", "DEGRADED", "DOWN").contains(status)) {
      throw new IllegalArgumentException("status must be UP, DEGRADED or DOWN, but was " + status);
    }
    statuses.put(instance, new Status(status, detail));
    // One wake-up at a time: the worker reads every status when it clears the flag, so more would only take places of
    // events and samples in the queue (and the closing marker's).
    if (!beatNow.getAndSet(true)) {
      queue.offer(WAKE);
    }
  }

  private void offer(Object item) {
    // One slot is kept for the closing marker and one for a wake-up.
    if (closing || queue.remainingCapacity() <= 2 || !queue.offer(item)) {
      dropped.incrementAndGet();
    } else if (closing && queue.remove(item)) {
      // close() began after the check above and may have finished its final drain before the offer: take the item
      // back and count it. If the worker or that drain took it first, they count it.
      dropped.incrementAndGet();
    }
  }

  /** Events and samples sent and answered with 202. */
  public long sent() {
    return sent.get();
  }

  /**
   * Events and samples whose request failed: a status other than 202 that is not retried, transient failures until
   * the attempts or the retry time ran out, or a request the client refused.
   */
  public long failed() {
    return failed.get();
  }

  /**
   * Events and samples dropped because the queue was full, or left unsent when the reporter closed (a request or a
   * wait before a retry that {@link #close()} cut included).
   */
  public long dropped() {
    return dropped.get();
  }

  /** Requests sent again after a transient failure (each retry counts once). */
  public long retries() {
    return retries.get();
  }

  /** Heartbeat requests answered with 202. */
  public long heartbeats() {
    return heartbeats.get();
  }

  private void run() {
    Map<String, Long> nextBeat = new LinkedHashMap<>();
    long now = clock.nanoTime();
    beats.keySet().forEach(instance -> nextBeat.put(instance, now));
    List<Object> batch = new ArrayList<>(batchSize);
    try {
      while (true) {
        long wait = IDLE_WAIT_NANOS;
        long t = clock.nanoTime();
        for (long due : nextBeat.values()) {
          wait = Math.min(wait, Math.max(0, due - t));
        }
        Object first = queue.poll(wait, TimeUnit.NANOSECONDS);
        boolean close = first == CLOSE;
        if (first != null && first != WAKE && !close) {
          batch.add(first);
        }
        while (!close && batch.size() < batchSize) {
          Object more = queue.poll();
          if (more == null) {
            break;
          }
          if (more == CLOSE) {
            close = true;
          } else if (more != WAKE) {
            batch.add(more);
          }
        }
        try {
          sendBatch(batch);
        } finally {
          batch.clear(); // sendBatch counted every item of it, even when interrupted
        }
        sendBeats(nextBeat);
        if (close || (closing && queue.isEmpty())) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      dropped.addAndGet(batch.size());
    }
  }

  /**
   * Sends the batch, counting each item once: as sent, failed or dropped (an item refused here, or one whose request
   * was interrupted by {@link #close()}).
   */
  private void sendBatch(List<Object> batch) throws InterruptedException {
    List<Object> events = new ArrayList<>();
    List<Object> samples = new ArrayList<>();
    for (Object item : batch) {
      if (item instanceof FaultEvent event) {
        if (event.time() == null || event.source() == null || event.source().isBlank()) {
          // The console refuses a batch holding such an event; drop it alone, and count it.
          dropped.incrementAndGet();
          continue;
        }
        try {
          events.add(FaultEventJson.toJson(event));
        } catch (RuntimeException e) {
          dropped.incrementAndGet();
          LOG.log(System.Logger.Level.WARNING, "console reporter: dropped an event that could not be encoded: "
              + event, e);
        }
      } else if (item instanceof Sample s) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", s.name());
        json.put("time", s.timeMillis());
        json.put("value", s.value());
        json.put("tags", s.tags());
        samples.add(json);
      }
    }
    int unsent = events.size() + samples.size();
    try {
      if (!events.isEmpty()) {
        count(postGuarded("/api/v1/events", events), events.size());
        unsent -= events.size();
      }
      if (!samples.isEmpty()) {
        count(postGuarded("/api/v1/metrics", samples), samples.size());
        unsent -= samples.size();
      }
    } catch (InterruptedException e) {
      dropped.addAndGet(unsent);
      throw e;
    }
  }

  /**
   * {@link #post} with retries, answering false (the items count as failed) if it throws an unchecked exception. The
   * client's own are answered inside it; this is for a bug in the reporter (a backoff that overflowed once threw out
   * of the wait), which would otherwise end the worker thread and leave every later item unsent and uncounted.
   */
  private boolean postGuarded(String path, List<Object> body) throws InterruptedException {
    try {
      return post(path, body, true);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "console reporter: sending " + body.size() + " item(s) to " + path
          + " failed unexpectedly; they are counted as failed and the reporter goes on", e);
      return false;
    }
  }

  private void count(boolean ok, int items) {
    (ok ? sent : failed).addAndGet(items);
  }

  private void sendBeats(Map<String, Long> nextBeat) throws InterruptedException {
    long t = clock.nanoTime();
    boolean now = beatNow.getAndSet(false);
    List<Object> due = new ArrayList<>();
    for (Map.Entry<String, Long> entry : nextBeat.entrySet()) {
      if (now || entry.getValue() - t <= 0) {
        due.add(beat(entry.getKey(), beats.get(entry.getKey())));
        entry.setValue(t + beats.get(entry.getKey()).toNanos());
      }
    }
    if (now) {
      for (String instance : statuses.keySet()) {
        if (!beats.containsKey(instance)) {
          due.add(beat(instance, null));
        }
      }
    }
    if (due.isEmpty()) {
      return;
    }
    try {
      if (post("/api/v1/heartbeats", due, false)) {
        heartbeats.incrementAndGet();
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "console reporter: sending " + due.size() + " heartbeat(s) failed"
          + " unexpectedly; the next are sent when due", e);
    }
  }

  private Map<String, Object> beat(String instance, Duration interval) {
    Status status = statuses.getOrDefault(instance, new Status("UP", null));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("instance", instance);
    json.put("status", status.status());
    if (interval != null) {
      json.put("intervalMillis", interval.toMillis());
    }
    json.put("time", Instant.ofEpochMilli(clock.wallMillis()).toString());
    if (status.detail() != null) {
      json.put("detail", status.detail());
    }
    return json;
  }

  /** What one attempt of a request ended with: a status, or -1 for a transient I/O failure, or -2 for a refusal. */
  private record Attempt(int status, long retryAfterNanos) {
    boolean transientFailure() {
      return status == -1 || status == 429 || status == 502 || status == 503 || status == 504;
    }
  }

  /**
   * Posts {@code body} under one idempotency key, retrying transient failures when {@code retry} (see the class
   * comment); true when it was answered 202.
   *
   * @throws InterruptedException when {@link #close()} cut a request or a wait: the caller counts its items dropped
   */
  private boolean post(String path, List<Object> body, boolean retry) throws InterruptedException {
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(URI.create(base + path))
          .timeout(requestTimeout)
          .header("Content-Type", "application/json")
          .header("Authorization", "Bearer " + apiKey)
          .header("Idempotency-Key", UUID.randomUUID().toString())
          .POST(HttpRequest.BodyPublishers.ofByteArray(mapper.writeValueAsBytes(body)))
          .build();
    } catch (IOException | RuntimeException e) {
      // A request that cannot be built fails alone: the worker must live on to send (or count) the rest.
      return false;
    }
    long start = clock.nanoTime();
    for (int attempt = 1; ; attempt++) {
      Attempt result = attempt(request);
      if (result.status() == 202) {
        return true;
      }
      if (!retry || !result.transientFailure() || attempt >= maxAttempts) {
        return false;
      }
      // Doubled attempt - 1 times, up to maxBackoff.
      long backoff = Doubling.doubled(initialBackoffNanos, attempt - 1, maxBackoffNanos);
      long wait = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
      wait = Math.max(wait, Math.min(result.retryAfterNanos(), maxBackoffNanos));
      if (clock.nanoTime() - start + wait > maxRetryTimeNanos) {
        return false;
      }
      clock.sleep(wait);
      retries.incrementAndGet();
    }
  }

  private Attempt attempt(HttpRequest request) throws InterruptedException {
    try {
      HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
      long retryAfter = 0;
      if (response.statusCode() == 429 || response.statusCode() == 503) {
        retryAfter = TimeUnit.SECONDS.toNanos(retryAfterSeconds(response.headers().firstValue("Retry-After")
            .orElse("")));
      }
      return new Attempt(response.statusCode(), retryAfter);
    } catch (IOException e) {
      return new Attempt(-1, 0); // connection refused or reset, a timeout (HttpTimeoutException): worth a retry
    } catch (RuntimeException e) {
      return new Attempt(-2, 0); // the client refused the request: it would refuse it again
    }
  }

  /**
   * The seconds of a {@code Retry-After} value written as delay-seconds (RFC 9110: ASCII digits only; spaces around
   * are allowed), {@link Long#MAX_VALUE} for one too large for a long (the wait is capped at {@code maxBackoff}
   * anyway), or 0 for anything else: an HTTP date or garbage, for which the backoff alone decides.
   */
  static long retryAfterSeconds(String value) {
    String text = value.trim();
    if (text.isEmpty()) {
      return 0;
    }
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) < '0' || text.charAt(i) > '9') {
        return 0;
      }
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE; // only digits, so only too many of them
    }
  }

  /**
   * Stops taking items and heartbeats, and waits up to the close timeout for the queued items to be sent; then
   * interrupts the request in flight and waits (up to the close timeout again) for the worker to count it; what is left
   * is counted as dropped. Idempotent.
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
      try {
        // The worker counts what its interrupted request held; wait (bounded) so the counts are final on return.
        worker.join(Math.max(1, closeTimeout.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Object left;
    while ((left = queue.poll()) != null) {
      if (left != CLOSE && left != WAKE) {
        dropped.incrementAndGet();
      }
    }
  }

  /** Configures a {@link ConsoleReporter}. Not thread-safe. */
  public static final class Builder {
    private final URI base;
    private final String apiKey;
    private final Map<String, Duration> beats = new LinkedHashMap<>();
    private int queueCapacity = 10_000;
    private int batchSize = 500;
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration closeTimeout = Duration.ofSeconds(10);
    private int maxAttempts = 5;
    private Duration initialBackoff = Duration.ofMillis(250);
    private Duration maxBackoff = Duration.ofSeconds(10);
    private Duration maxRetryTime = Duration.ofSeconds(60);
    private HttpClient client;
    private Clock clock = Clock.system();

    private Builder(URI base, String apiKey) {
      this.base = base;
      this.apiKey = apiKey;
    }

    /** Makes {@code instance} send a heartbeat every {@code interval} (at least 100 ms). */
    public Builder heartbeat(String instance, Duration interval) {
      if (instance == null || !CredentialStore.validName(instance)) {
        throw new ConfigurationException("heartbeat instance", "be a name of 1 to 64 letters, digits or _.-",
            instance);
      }
      if (interval == null || interval.toMillis() < 100 || interval.toMillis() > 3_600_000) {
        throw new ConfigurationException("heartbeat interval", "be from 100 ms to 1 hour", interval);
      }
      beats.put(instance, interval);
      return this;
    }

    /** How many events and samples may wait to be sent (default 10,000). */
    public Builder queueCapacity(int capacity) {
      this.queueCapacity = capacity;
      return this;
    }

    /** The most events in one request (default 500; the server takes at most 1000). */
    public Builder batchSize(int size) {
      this.batchSize = size;
      return this;
    }

    /** The timeout of one request (default 10 s). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = timeout;
      return this;
    }

    /** How long {@link ConsoleReporter#close()} waits for queued items to be sent (default 10 s). */
    public Builder closeTimeout(Duration timeout) {
      this.closeTimeout = timeout;
      return this;
    }

    /**
     * The most attempts of one request, its retries after transient failures included (default 5; 1 never
     * retries; at most 100).
     */
    public Builder maxAttempts(int attempts) {
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * The wait before the first retry, doubled before each next one up to {@code max} (defaults 250 ms and 10 s);
     * each wait is drawn from its half to its whole (jitter).
     */
    public Builder retryBackoff(Duration initial, Duration max) {
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /** How long one request may take with its retries: no wait ends later after its first attempt (default 60 s). */
    public Builder maxRetryTime(Duration time) {
      this.maxRetryTime = time;
      return this;
    }

    /** The HTTP client (default: a new one, with the request timeout to connect). */
    public Builder httpClient(HttpClient client) {
      this.client = client;
      return this;
    }

    /** The clock of heartbeat times and samples (default {@link Clock#system()}). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Checks the settings and starts the reporter's worker.
     *
     * @throws ConfigurationException naming the setting that is wrong
     */
    public ConsoleReporter build() {
      if (base == null || !("http".equals(base.getScheme()) || "https".equals(base.getScheme()))) {
        throw new ConfigurationException("base", "be an http or https URI", base);
      }
      if (apiKey == null || apiKey.isBlank()) {
        throw new ConfigurationException("apiKey", "be a service key", apiKey == null ? null : "blank");
      }
      try {
        HttpRequest.newBuilder().header("Authorization", "Bearer " + apiKey);
      } catch (IllegalArgumentException e) {
        // Such as a key read from a file with its line end; the value itself is not shown, it is a secret.
        throw new ConfigurationException("apiKey", "be a valid HTTP header value (no control characters)",
            "refused");
      }
      if (queueCapacity < 1) {
        throw new ConfigurationException("queueCapacity", "be at least 1", queueCapacity);
      }
      if (batchSize < 1 || batchSize > 1000) {
        throw new ConfigurationException("batchSize", "be from 1 to 1000", batchSize);
      }
      if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
        throw new ConfigurationException("requestTimeout", "be positive", requestTimeout);
      }
      if (closeTimeout == null || closeTimeout.isNegative() || closeTimeout.isZero()) {
        throw new ConfigurationException("closeTimeout", "be positive", closeTimeout);
      }
      if (clock == null) {
        throw new ConfigurationException("clock", "be set", null);
      }
      if (maxAttempts < 1 || maxAttempts > 100) {
        throw new ConfigurationException("maxAttempts", "be from 1 to 100", maxAttempts);
      }
      if (initialBackoff == null || initialBackoff.isNegative() || initialBackoff.isZero()) {
        throw new ConfigurationException("initialBackoff", "be positive", initialBackoff);
      }
      if (maxBackoff == null || maxBackoff.compareTo(initialBackoff) < 0 || maxBackoff.compareTo(Duration.ofHours(1))
          > 0) {
        throw new ConfigurationException("maxBackoff", "be from initialBackoff (" + initialBackoff + ") to 1 hour",
            maxBackoff);
      }
      if (maxRetryTime == null || maxRetryTime.isNegative() || maxRetryTime.isZero()) {
        throw new ConfigurationException("maxRetryTime", "be positive", maxRetryTime);
      }
      return new ConsoleReporter(this);
    }
  }
}
