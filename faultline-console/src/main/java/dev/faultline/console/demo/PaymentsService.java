package dev.faultline.console.demo;

import dev.faultline.core.Pipeline;
import dev.faultline.core.circuitbreaker.CallNotPermittedException;
import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.circuitbreaker.CircuitState;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.fallback.Fallback;
import dev.faultline.core.hedge.Hedge;
import dev.faultline.core.retry.Backoff;
import dev.faultline.core.retry.Retry;
import dev.faultline.core.timeout.Timeout;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The demo's payment service: a few callers charge a flaky {@link SimulatedDownstream} (an error burst, an outage,
 * recovery, a healthy stretch, latency spikes, on a repeating cycle that starts just before the error burst) through
 *
 * <pre>
 *   Fallback( Retry( CircuitBreaker( Timeout( Hedge( downstream )))))
 * </pre>
 *
 * Every policy publishes to the service's event listener; when the breaker opens, and at most every two seconds when
 * the retries give up, the last failure goes out as an incident with the service's recent log lines.
 *
 * <p>Thread-safe: counters are adders and atomics; the workers only share the (thread-safe) pipeline.
 */
public final class PaymentsService implements AutoCloseable {
  /** What a charge answers when the downstream could not: the payment is queued for later. */
  static final String PENDING = "pending";
  private static final long THINK_NANOS = TimeUnit.MILLISECONDS.toNanos(25);
  private static final long INCIDENT_GAP_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final Wiring wiring;
  private final int workers;
  private final SimulatedDownstream downstream;
  private final CircuitBreaker breaker;
  private final Pipeline pipeline;
  private final ExecutorService workerPool;
  private final ExecutorService hedgePool;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicReference<Exception> lastFailure = new AtomicReference<>();
  private final AtomicLong lastIncidentNanos = new AtomicLong(Long.MIN_VALUE / 2);
  private final LongAdder calls = new LongAdder();
  private final LongAdder pending = new LongAdder();
  private final LongAdder failed = new LongAdder();

  /** A payment service of {@code workers} callers whose downstream repeats its phases every {@code cycle}. */
  public PaymentsService(Wiring wiring, int workers, Duration cycle, long seed) {
    this.wiring = wiring;
    this.workers = workers;
    // Start just before the error burst: the outage comes a few seconds in and the breaker has closed again by the
    // middle of the cycle, so even a 20-second demo shows the whole story.
    this.downstream = new SimulatedDownstream(wiring.clock(), cycle.toNanos(), (long) (cycle.toNanos() * 0.45),
        TimeUnit.MILLISECONDS.toNanos(4), TimeUnit.MILLISECONDS.toNanos(250), seed);
    this.workerPool = Executors.newFixedThreadPool(workers, DemoThreads.named("faultline-demo-payments"));
    this.hedgePool = Executors.newCachedThreadPool(DemoThreads.named("faultline-demo-payments-hedge"));
    String name = wiring.service();
    this.breaker = CircuitBreaker.builder(name + "-breaker").failureRateThreshold(0.5).countBasedWindow(40)
        .minimumNumberOfCalls(10).waitInOpen(Duration.ofSeconds(1)).waitMultiplier(2.0)
        .maxWaitInOpen(Duration.ofSeconds(4)).permittedCallsInHalfOpen(3).clock(wiring.clock())
        .listener(wiring.events()).listener(this::onEvent).build();
    this.pipeline = Pipeline.builder().name(name).add(
        Fallback.<String>builder(name + "-fallback").value(PENDING).clock(wiring.clock())
            .listener(wiring.events()).build(),
        Retry.builder(name + "-retry").maxAttempts(3)
            .backoff(Backoff.exponential(Duration.ofMillis(20), 2.0, Duration.ofMillis(200)).withFullJitter())
            .ignore(CallNotPermittedException.class).clock(wiring.clock()).scheduler(wiring.scheduler())
            .listener(wiring.events()).listener(this::onEvent).build(),
        breaker,
        Timeout.builder(name + "-timeout").timeout(Duration.ofMillis(150)).interruptOnTimeout(true)
            .clock(wiring.clock()).scheduler(wiring.scheduler()).listener(wiring.events()).build(),
        Hedge.builder(name + "-hedge").delay(Duration.ofMillis(40)).delayPercentile(90).maxHedges(1)
            .executor(hedgePool).clock(wiring.clock()).scheduler(wiring.scheduler()).listener(wiring.events())
            .build())
        .build();
  }

  /** Starts the callers. */
  public void start() {
    if (!running.compareAndSet(false, true)) {
      throw new IllegalStateException("the payment service is already started");
    }
    wiring.log().info("payment service started with " + workers + " callers");
    for (int i = 0; i < workers; i++) {
      workerPool.execute(this::work);
    }
  }

  /** Charges one payment through the pipeline: the downstream's answer, or {@value #PENDING} when it could not. */
  public String charge(String order) throws Exception {
    calls.increment();
    String answer = pipeline.call(ctx -> {
      try {
        return downstream.call(Math.max(0, Hedge.currentAttempt()));
      } catch (SimulatedDownstream.DownstreamException e) {
        lastFailure.set(e);
        throw e;
      }
    });
    if (PENDING.equals(answer)) {
      pending.increment();
      if (calls.sum() % 10 == 0) {
        Exception last = lastFailure.get();
        wiring.log().warn("charge of " + order + " queued as pending: " + (last == null ? "breaker open"
            : last.getMessage()));
      }
    }
    return answer;
  }

  private void work() {
    long n = 0;
    while (running.get() && !Thread.currentThread().isInterrupted()) {
      try {
        charge("order-" + Thread.currentThread().getId() + "-" + n++);
        wiring.clock().sleep(THINK_NANOS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        failed.increment();
      }
    }
  }

  private void onEvent(FaultEvent event) {
    if (event instanceof PolicyEvent.CircuitStateChanged changed) {
      wiring.log().warn("breaker " + changed.from() + " -> " + changed.to() + ": " + changed.reason());
      Exception last = lastFailure.get();
      if (changed.to() == CircuitState.OPEN && last != null) {
        wiring.reportIncident(new PaymentDownstreamException("payment downstream failing, breaker opened: "
            + last.getMessage(), last), breaker.name());
      }
    } else if (event instanceof PolicyEvent.RetriesExhausted exhausted) {
      wiring.log().error("charge gave up after " + exhausted.attempts() + " attempts: " + exhausted.reason());
      long now = wiring.clock().nanoTime();
      long last = lastIncidentNanos.get();
      if (now - last >= INCIDENT_GAP_NANOS && lastIncidentNanos.compareAndSet(last, now)
          && exhausted.lastFailure() != null) {
        wiring.reportIncident(exhausted.lastFailure(), exhausted.source());
      }
    }
  }

  /** The downstream's current phase, for the terminal view. */
  public SimulatedDownstream.Phase phase() {
    return downstream.phase();
  }

  /** Charges attempted. */
  public long calls() {
    return calls.sum();
  }

  /** Charges answered {@value #PENDING} by the fallback. */
  public long pending() {
    return pending.sum();
  }

  /** The breaker in front of the downstream. */
  public CircuitBreaker breaker() {
    return breaker;
  }

  /** Stops the callers and waits briefly for them. */
  @Override
  public void close() {
    running.set(false);
    DemoThreads.stop(workerPool, hedgePool);
  }

  /** The downstream kept failing until the breaker opened. */
  static final class PaymentDownstreamException extends Exception {
    private static final long serialVersionUID = 1L;

    PaymentDownstreamException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
