package dev.faultline.console.demo;

import dev.faultline.core.Clock;
import dev.faultline.core.Pipeline;
import dev.faultline.core.RejectedException;
import dev.faultline.core.bulkhead.Bulkhead;
import dev.faultline.core.circuitbreaker.CallNotPermittedException;
import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.fallback.Fallback;
import dev.faultline.core.hedge.Hedge;
import dev.faultline.core.limit.AdaptiveLimiter;
import dev.faultline.core.limit.LimitAlgorithm;
import dev.faultline.core.retry.Backoff;
import dev.faultline.core.retry.Retry;
import dev.faultline.core.retry.RetryBudget;
import dev.faultline.core.timeout.Timeout;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * One run of the demo: worker threads call a {@link SimulatedDownstream} with three replicas through
 *
 * <pre>
 *   Fallback( Retry[budget]( CircuitBreaker( Timeout( Bulkhead( AdaptiveLimiter( Hedge( downstream )))))))
 * </pre>
 *
 * and the run renders what every policy did, from their metrics and the {@link FaultEvent}s they publish.
 *
 * <p>Thread-safe: counters are adders; the event log is guarded by its own lock; rendering only reads.
 */
public final class DemoRun implements AutoCloseable {
  private static final String FALLBACK = "cached answer";
  private static final int LOG_LINES = 6;
  /** Pause of a worker between two calls, so that the demo loads the downstream like a service, not a spin loop. */
  private static final long THINK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  private final Clock clock = Clock.system();
  private final int workers;
  private final SimulatedDownstream downstream;
  private final ExecutorService workerPool;
  private final ExecutorService hedgePool;
  private final AtomicBoolean running = new AtomicBoolean();
  private final long startNanos;

  private final Fallback<String> fallback;
  private final Retry retry;
  private final CircuitBreaker breaker;
  private final Timeout timeout;
  private final Bulkhead bulkhead;
  private final AdaptiveLimiter limiter;
  private final Hedge hedge;
  private final Pipeline pipeline;

  private final LongAdder calls = new LongAdder();
  private final LongAdder answered = new LongAdder();
  private final LongAdder fellBack = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final Deque<String> log = new ArrayDeque<>();
  private String lastLoggedKind;
  private long lastCalls;
  private long lastRenderNanos;

  /** Prepares a run with {@code workers} callers and a downstream whose phases repeat every {@code cycle}. */
  public DemoRun(int workers, Duration cycle, long seed) {
    this.workers = workers;
    this.startNanos = clock.nanoTime();
    this.downstream = new SimulatedDownstream(clock, cycle.toNanos(), TimeUnit.MILLISECONDS.toNanos(4),
        TimeUnit.MILLISECONDS.toNanos(250), seed);
    this.workerPool = Executors.newFixedThreadPool(workers, DemoThreads.named("faultline-demo-worker"));
    this.hedgePool = Executors.newCachedThreadPool(DemoThreads.named("faultline-demo-hedge"));

    this.fallback = Fallback.<String>builder("payments-fallback").value(FALLBACK).listener(this::onEvent).build();
    this.retry = Retry.builder("payments-retry").maxAttempts(3)
        .backoff(Backoff.exponential(Duration.ofMillis(10), 2.0, Duration.ofMillis(200)).withFullJitter())
        // An open breaker answers at once: retrying its rejection would only spend the budget.
        .ignore(CallNotPermittedException.class)
        .budget(RetryBudget.builder().ratio(0.2).minRetriesPerSecond(5).window(Duration.ofSeconds(10)).build())
        .listener(this::onEvent).build();
    this.breaker = CircuitBreaker.builder("payments-breaker").failureRateThreshold(0.5).countBasedWindow(50)
        .minimumNumberOfCalls(20).waitInOpen(Duration.ofSeconds(1)).waitMultiplier(2.0)
        .maxWaitInOpen(Duration.ofSeconds(4)).permittedCallsInHalfOpen(5)
        // Load shed by our own bulkhead or limit says nothing about the downstream's health.
        .ignoreExceptions(RejectedException.class).listener(this::onEvent).build();
    this.timeout = Timeout.builder("payments-timeout").timeout(Duration.ofMillis(150)).interruptOnTimeout(true)
        .listener(this::onEvent).build();
    this.bulkhead = Bulkhead.builder("payments-bulkhead").maxConcurrentCalls(Math.max(2, workers - 2))
        .listener(this::onEvent).build();
    this.limiter = AdaptiveLimiter.builder("payments-limit").algorithm(LimitAlgorithm.GRADIENT2)
        .initialLimit(Math.min(8, Math.max(4, workers))).minLimit(2).maxLimit(Math.max(4, workers)).listener(this::onEvent).build();
    this.hedge = Hedge.builder("payments-hedge").delay(Duration.ofMillis(30)).delayPercentile(90).maxHedges(1)
        .executor(hedgePool).listener(this::onEvent).build();
    this.pipeline = Pipeline.builder().name("payments")
        .add(fallback, retry, breaker, timeout, bulkhead, limiter, hedge).build();
  }


  /** Starts the workers. */
  public void start() {
    if (!running.compareAndSet(false, true)) {
      throw new IllegalStateException("demo run already started");
    }
    for (int i = 0; i < workers; i++) {
      workerPool.execute(this::work);
    }
  }

  private void work() {
    while (running.get() && !Thread.currentThread().isInterrupted()) {
      calls.increment();
      try {
        String answer = pipeline.call(ctx -> downstream.call(Math.max(0, Hedge.currentAttempt())));
        if (FALLBACK.equals(answer)) {
          fellBack.increment();
        } else {
          answered.increment();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        failed.increment();
      }
      try {
        clock.sleep(THINK_NANOS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void onEvent(FaultEvent event) {
    String line = describe(event);
    if (line == null) {
      return;
    }
    String kind = event.getClass().getSimpleName();
    String entry = String.format(Locale.ROOT, "%6.1fs  %s", seconds(), line);
    synchronized (log) {
      // A run of decisions of one kind (the limit moving step by step) shows as its latest step only.
      if (kind.equals(lastLoggedKind) && !log.isEmpty()) {
        log.removeFirst();
      }
      lastLoggedKind = kind;
      log.addFirst(entry);
      while (log.size() > LOG_LINES) {
        log.removeLast();
      }
    }
  }

  private static String describe(FaultEvent event) {
    if (event instanceof PolicyEvent.CircuitStateChanged) {
      PolicyEvent.CircuitStateChanged changed = (PolicyEvent.CircuitStateChanged) event;
      return "breaker " + changed.from() + " -> " + changed.to() + " (" + changed.reason() + ")";
    }
    if (event instanceof PolicyEvent.LimitChanged) {
      PolicyEvent.LimitChanged changed = (PolicyEvent.LimitChanged) event;
      return "adaptive limit now " + changed.to();
    }
    if (event instanceof PolicyEvent.RetriesExhausted) {
      PolicyEvent.RetriesExhausted exhausted = (PolicyEvent.RetriesExhausted) event;
      return "retry gave up after " + exhausted.attempts() + " attempts (" + exhausted.reason() + ")";
    }
    return null;
  }

  private double seconds() {
    return (clock.nanoTime() - startNanos) / 1e9;
  }

  /**
   * Renders the view every {@code refresh} until {@code duration} has passed (forever when null) or the thread is
   * interrupted, then stops the workers.
   */
  public void awaitAndRender(Duration duration, Duration refresh, PrintWriter out, boolean redraw)
      throws InterruptedException {
    long end = duration == null ? Long.MAX_VALUE : startNanos + duration.toNanos();
    lastRenderNanos = clock.nanoTime();
    try {
      while (clock.nanoTime() < end) {
        clock.sleep(Math.min(refresh.toNanos(), Math.max(1, end - clock.nanoTime())));
        String frame = render();
        if (redraw) {
          out.print("\u001b[H\u001b[2J");
          out.print(frame);
        } else {
          out.println(oneLine(frame));
        }
        out.flush();
      }
    } finally {
      stop();
    }
  }

  /** One frame of the view: a header line, one line per policy, then the latest decisions. */
  String render() {
    long now = clock.nanoTime();
    long total = calls.sum();
    double rate = (total - lastCalls) / Math.max(1e-9, (now - lastRenderNanos) / 1e9);
    lastCalls = total;
    lastRenderNanos = now;
    CircuitBreaker.Metrics b = breaker.metrics();
    Retry.Metrics r = retry.metrics();
    Hedge.Metrics h = hedge.metrics();
    AdaptiveLimiter.Metrics l = limiter.metrics();
    StringBuilder frame = new StringBuilder();
    frame.append(String.format(Locale.ROOT, "faultline demo  %6.1fs   downstream: %-14s %7.0f calls/s%n", seconds(),
        downstream.phase(), rate));
    frame.append(String.format(Locale.ROOT, "  calls     %9d   answered %d   fallback %d   failed %d%n", total,
        answered.sum(), fellBack.sum(), failed.sum()));
    frame.append(String.format(Locale.ROOT, "  retry     %9d retries   gave up %d   budget rejections %d%n", r.retries(),
        r.failuresWithRetry(), r.budgetRejections()));
    frame.append(String.format(Locale.ROOT, "  breaker   %9s   rejected %d   window %d calls, failure rate %.0f%%%n",
        b.state(), b.rejections(), b.bufferedCalls(), b.failureRate() * 100));
    frame.append(String.format(Locale.ROOT, "  timeout   %9d timeouts%n", timeout.metrics().timeouts()));
    frame.append(String.format(Locale.ROOT, "  hedge     %9d started   won %d   delay now %d ms%n", h.hedgesStarted(),
        h.hedgeWins(), h.delay().toMillis()));
    frame.append(String.format(Locale.ROOT, "  limit     %9d   inflight %d   rejected %d   bulkhead rejected %d%n",
        l.limit(), l.inflight(), l.rejections(), bulkhead.metrics().rejections()));
    List<String> lines;
    synchronized (log) {
      lines = new ArrayList<>(log);
    }
    frame.append("\nrecent decisions:\n");
    for (String line : lines) {
      frame.append("  ").append(line).append('\n');
    }
    return frame.toString();
  }

  /** The frame folded into one line, for output that is not a terminal. */
  static String oneLine(String frame) {
    StringBuilder line = new StringBuilder();
    for (String part : frame.split("\n")) {
      if (part.startsWith("recent decisions")) {
        break;
      }
      if (!part.isBlank()) {
        line.append(line.length() == 0 ? "" : " |").append(part.strip().replaceAll(" {2,}", " "));
      }
    }
    return line.toString();
  }

  /** A one-paragraph summary of the whole run. */
  public String summary() {
    Retry.Metrics r = retry.metrics();
    Hedge.Metrics h = hedge.metrics();
    return String.format(Locale.ROOT,
        "demo finished after %.1fs: %d calls, %d answered by the downstream, %d by the fallback, %d failed;"
            + " %d retries, %d breaker rejections, %d timeouts, %d hedges (%d won), adaptive limit %d",
        seconds(), calls.sum(), answered.sum(), fellBack.sum(), failed.sum(), r.retries(),
        breaker.metrics().rejections(), timeout.metrics().timeouts(), h.hedgesStarted(), h.hedgeWins(),
        limiter.metrics().limit());
  }

  /** Stops the workers and waits briefly for them; an interrupt while waiting is kept on the thread. */
  public void stop() {
    running.set(false);
    DemoThreads.stop(workerPool, hedgePool);
  }

  @Override
  public void close() {
    stop();
  }
}
