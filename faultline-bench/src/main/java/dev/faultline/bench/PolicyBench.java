package dev.faultline.bench;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.function.CheckedSupplier;
import dev.faultline.core.Pipeline;
import dev.faultline.core.bulkhead.Bulkhead;
import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.retry.Backoff;
import dev.faultline.core.retry.Retry;
import dev.faultline.core.timeout.Timeout;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.decorators.Decorators;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Faultline against Resilience4j 2.4.0 and Failsafe 3.3.2 on the success path, with equivalent configurations, in one
 * JMH run. Methods are named {@code <case>_<library>}; {@code java -jar benchmarks.jar report} prints the ratios.
 *
 * <ul>
 *   <li>retry: 3 attempts, fixed 10 ms backoff (never reached: every call succeeds);
 *   <li>breaker: count-based window of 100 calls, 50% failure rate, 100 calls minimum, 60 s open;
 *   <li>bulkhead: 25 concurrent calls, no waiting;
 *   <li>pipeline: retry + breaker + bulkhead + 1 s timeout around the same plain {@code Callable} for all three (so
 *       Faultline's execution context counts attempts but does not read the clock, like Resilience4j's decorators).
 *       Resilience4j has no synchronous timeout: its pipeline uses its TimeLimiter over an already-completed future,
 *       the cheapest form it offers;
 *   <li>breaker2threads: the breaker shared by two threads;
 *   <li>timeout: a 1 s synchronous timeout alone (Faultline and Failsafe; Resilience4j has no synchronous timeout);
 *   <li>call_plain: the call alone, with no policy: the harness's own cost, below which no policy can go.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PolicyBench {
  private static final String OK = "ok";

  private final Callable<String> call = () -> OK;
  private final CheckedSupplier<String> failsafeCall = () -> OK;

  private Retry retry;
  private CircuitBreaker breaker;
  private Bulkhead bulkhead;
  private Pipeline pipeline;
  private Timeout timeout;
  private FailsafeExecutor<String> failsafeTimeout;

  private io.github.resilience4j.retry.Retry r4jRetry;
  private io.github.resilience4j.circuitbreaker.CircuitBreaker r4jBreaker;
  private io.github.resilience4j.bulkhead.Bulkhead r4jBulkhead;
  private Callable<String> r4jPipeline;

  private FailsafeExecutor<String> failsafeRetry;
  private FailsafeExecutor<String> failsafeBreaker;
  private FailsafeExecutor<String> failsafeBulkhead;
  private FailsafeExecutor<String> failsafePipeline;

  /** Builds every policy once, as an application would. */
  @Setup
  public void setUp() {
    retry = Retry.builder("retry").maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(10))).build();
    breaker = CircuitBreaker.builder("breaker").countBasedWindow(100).failureRateThreshold(0.5)
        .minimumNumberOfCalls(100).waitInOpen(Duration.ofSeconds(60)).build();
    bulkhead = Bulkhead.builder("bulkhead").maxConcurrentCalls(25).build();
    timeout = Timeout.builder("timeout").timeout(Duration.ofSeconds(1)).build();
    pipeline = Pipeline.builder().add(
        Retry.builder("p-retry").maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(10))).build(),
        CircuitBreaker.builder("p-breaker").countBasedWindow(100).failureRateThreshold(0.5)
            .minimumNumberOfCalls(100).waitInOpen(Duration.ofSeconds(60)).build(),
        Bulkhead.builder("p-bulkhead").maxConcurrentCalls(25).build(),
        timeout).build();

    r4jRetry = io.github.resilience4j.retry.Retry.of("retry",
        RetryConfig.custom().maxAttempts(3).waitDuration(Duration.ofMillis(10)).build());
    CircuitBreakerConfig breakerConfig = CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED).slidingWindowSize(100)
        .failureRateThreshold(50).minimumNumberOfCalls(100).waitDurationInOpenState(Duration.ofSeconds(60)).build();
    r4jBreaker = io.github.resilience4j.circuitbreaker.CircuitBreaker.of("breaker", breakerConfig);
    BulkheadConfig bulkheadConfig = BulkheadConfig.custom().maxConcurrentCalls(25).maxWaitDuration(Duration.ZERO)
        .build();
    r4jBulkhead = io.github.resilience4j.bulkhead.Bulkhead.of("bulkhead", bulkheadConfig);
    TimeLimiter timeLimiter = TimeLimiter.of(TimeLimiterConfig.custom().timeoutDuration(Duration.ofSeconds(1))
        .cancelRunningFuture(false).build());
    Supplier<CompletableFuture<String>> completed = () -> CompletableFuture.completedFuture(OK);
    Callable<String> limited = () -> timeLimiter.executeFutureSupplier(completed);
    r4jPipeline = Decorators.ofCallable(limited)
        .withBulkhead(io.github.resilience4j.bulkhead.Bulkhead.of("p-bulkhead", bulkheadConfig))
        .withCircuitBreaker(io.github.resilience4j.circuitbreaker.CircuitBreaker.of("p-breaker", breakerConfig))
        .withRetry(io.github.resilience4j.retry.Retry.of("p-retry",
            RetryConfig.custom().maxAttempts(3).waitDuration(Duration.ofMillis(10)).build()))
        .decorate();

    failsafeRetry = Failsafe.with(failsafeRetryPolicy());
    failsafeTimeout = Failsafe.with(dev.failsafe.Timeout.<String>of(Duration.ofSeconds(1)));
    failsafeBreaker = Failsafe.with(failsafeBreakerPolicy());
    failsafeBulkhead = Failsafe.with(dev.failsafe.Bulkhead.<String>builder(25).build());
    failsafePipeline = Failsafe.with(failsafeRetryPolicy(), failsafeBreakerPolicy(),
        dev.failsafe.Bulkhead.<String>builder(25).build(), dev.failsafe.Timeout.<String>of(Duration.ofSeconds(1)));
  }

  private static dev.failsafe.RetryPolicy<String> failsafeRetryPolicy() {
    return dev.failsafe.RetryPolicy.<String>builder().withMaxAttempts(3).withDelay(Duration.ofMillis(10)).build();
  }

  private static dev.failsafe.CircuitBreaker<String> failsafeBreakerPolicy() {
    return dev.failsafe.CircuitBreaker.<String>builder().withFailureThreshold(50, 100)
        .withDelay(Duration.ofSeconds(60)).build();
  }

  // (a) retry, success path

  /** Faultline retry. */
  @Benchmark
  public String retry_faultline() throws Exception {
    return retry.call(call);
  }

  /** Resilience4j retry. */
  @Benchmark
  public String retry_resilience4j() throws Exception {
    return r4jRetry.executeCallable(call);
  }

  /** Failsafe retry. */
  @Benchmark
  public String retry_failsafe() {
    return failsafeRetry.get(failsafeCall);
  }

  // the floor: the call with no policy at all

  /** The plain call, for the harness's own cost. */
  @Benchmark
  public String call_plain() throws Exception {
    return call.call();
  }

  // (b) circuit breaker closed, success path

  /** Faultline breaker. */
  @Benchmark
  public String breaker_faultline() throws Exception {
    return breaker.call(call);
  }

  /** Resilience4j breaker. */
  @Benchmark
  public String breaker_resilience4j() throws Exception {
    return r4jBreaker.executeCallable(call);
  }

  /** Failsafe breaker. */
  @Benchmark
  public String breaker_failsafe() {
    return failsafeBreaker.get(failsafeCall);
  }

  // (c) bulkhead

  /** Faultline bulkhead. */
  @Benchmark
  public String bulkhead_faultline() throws Exception {
    return bulkhead.call(call);
  }

  /** Resilience4j bulkhead. */
  @Benchmark
  public String bulkhead_resilience4j() throws Exception {
    return r4jBulkhead.executeCallable(call);
  }

  /** Failsafe bulkhead. */
  @Benchmark
  public String bulkhead_failsafe() {
    return failsafeBulkhead.get(failsafeCall);
  }

  // (d) retry + breaker + bulkhead + timeout

  /** Faultline pipeline. */
  @Benchmark
  public String pipeline_faultline() throws Exception {
    return pipeline.call(call);
  }

  /** Resilience4j decorators. */
  @Benchmark
  public String pipeline_resilience4j() throws Exception {
    return r4jPipeline.call();
  }

  /** Failsafe executor with four policies. */
  @Benchmark
  public String pipeline_failsafe() {
    return failsafePipeline.get(failsafeCall);
  }

  // (f) a synchronous timeout alone (Resilience4j has none)

  /** Faultline timeout alone. */
  @Benchmark
  public String timeout_faultline() throws Exception {
    return timeout.call(call);
  }

  /** Failsafe timeout alone. */
  @Benchmark
  public String timeout_failsafe() {
    return failsafeTimeout.get(failsafeCall);
  }

  // (e) the breaker shared by two threads

  /** Faultline breaker, two threads. */
  @Benchmark
  @Threads(2)
  public String breaker2threads_faultline() throws Exception {
    return breaker.call(call);
  }

  /** Resilience4j breaker, two threads. */
  @Benchmark
  @Threads(2)
  public String breaker2threads_resilience4j() throws Exception {
    return r4jBreaker.executeCallable(call);
  }

  /** Failsafe breaker, two threads. */
  @Benchmark
  @Threads(2)
  public String breaker2threads_failsafe() {
    return failsafeBreaker.get(failsafeCall);
  }
}
