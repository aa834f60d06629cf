package dev.faultline.bench;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.function.CheckedSupplier;
import dev.faultline.core.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The closed-state success path of a circuit breaker, Faultline side by side with Resilience4j and Failsafe, each with
 * its default count-based window of 100 calls (Failsafe: its default breaker) or a 10-second time-based window.
 *
 * <p>Run: {@code java -jar faultline-bench/target/benchmarks.jar CircuitBreakerBenchmark -prof gc}; add {@code -t 2}
 * for two threads sharing one breaker.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CircuitBreakerBenchmark {
  private static final Integer RESULT = 42;
  private static final Callable<Integer> CALL = () -> RESULT;
  private static final Supplier<Integer> SUPPLIER = () -> RESULT;
  private static final CheckedSupplier<Integer> CHECKED = () -> RESULT;

  /** Which sliding window the Faultline and Resilience4j breakers use. */
  @Param({"COUNT_BASED", "TIME_BASED"})
  public String window;

  private CircuitBreaker faultline;
  private Supplier<Integer> resilience4j;
  private FailsafeExecutor<Integer> failsafe;

  /** Builds the three breakers. */
  @Setup
  public void setUp() {
    boolean count = window.equals("COUNT_BASED");
    faultline = count ? CircuitBreaker.builder("bench").countBasedWindow(100).build()
        : CircuitBreaker.builder("bench").timeBasedWindow(10).build();
    io.github.resilience4j.circuitbreaker.CircuitBreakerConfig r4jConfig =
        io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.custom()
            .slidingWindowType(count
                ? io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType.COUNT_BASED
                : io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
            .slidingWindowSize(count ? 100 : 10)
            .build();
    resilience4j = io.github.resilience4j.circuitbreaker.CircuitBreaker.decorateSupplier(
        io.github.resilience4j.circuitbreaker.CircuitBreaker.of("bench", r4jConfig), SUPPLIER);
    dev.failsafe.CircuitBreaker<Integer> breaker = count
        ? dev.failsafe.CircuitBreaker.<Integer>builder().withFailureThreshold(50, 100).build()
        : dev.failsafe.CircuitBreaker.<Integer>builder().withFailureRateThreshold(50, 100, Duration.ofSeconds(10))
            .build();
    failsafe = Failsafe.with(breaker);
  }

  /** Faultline: {@code breaker.call(callable)}. */
  @Benchmark
  public Integer faultline() throws Exception {
    return faultline.call(CALL);
  }

  /** Resilience4j: a supplier decorated once. */
  @Benchmark
  public Integer resilience4j() {
    return resilience4j.get();
  }

  /** Failsafe: {@code Failsafe.with(breaker).get(supplier)}. */
  @Benchmark
  public Integer failsafe() {
    return failsafe.get(CHECKED);
  }
}
