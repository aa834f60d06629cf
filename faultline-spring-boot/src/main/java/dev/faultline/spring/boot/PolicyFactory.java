package dev.faultline.spring.boot;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.Scheduler;
import dev.faultline.core.bulkhead.Bulkhead;
import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.ratelimiter.RateLimiter;
import dev.faultline.core.retry.Backoff;
import dev.faultline.core.retry.Retry;
import dev.faultline.core.timeout.Timeout;
import dev.faultline.spring.boot.FaultlineProperties.BackoffProperties;
import dev.faultline.spring.boot.FaultlineProperties.BulkheadProperties;
import dev.faultline.spring.boot.FaultlineProperties.CircuitBreakerProperties;
import dev.faultline.spring.boot.FaultlineProperties.RateLimiterProperties;
import dev.faultline.spring.boot.FaultlineProperties.RetryProperties;
import dev.faultline.spring.boot.FaultlineProperties.TimeoutProperties;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Builds {@link FaultlinePolicies} from {@link FaultlineProperties} with the policies' own builders, so that the rules
 * (and the defaults) stay those of {@code faultline-core}. A {@link ConfigurationException} of a builder names a
 * builder field ({@code maxAttempts}, {@code backoff.initial}); it is rethrown as an
 * {@link InvalidConfigurationPropertyValueException} naming the property ({@code
 * faultline.retry.instances.payments.max-attempts}) and the value, which Spring Boot reports at startup.
 */
final class PolicyFactory {
  private final Clock clock;
  private final Scheduler scheduler;
  private final List<FaultEventListener> listeners;

  PolicyFactory(Clock clock, Scheduler scheduler, List<FaultEventListener> listeners) {
    this.clock = clock;
    this.scheduler = scheduler;
    this.listeners = List.copyOf(listeners);
  }

  FaultlinePolicies build(FaultlineProperties properties) {
    return new FaultlinePolicies(
        all("retry", properties.retry().instances(), this::retry),
        all("circuit-breaker", properties.circuitBreaker().instances(), this::circuitBreaker),
        all("timeout", properties.timeout().instances(), this::timeout),
        all("bulkhead", properties.bulkhead().instances(), this::bulkhead),
        all("rate-limiter", properties.rateLimiter().instances(), this::rateLimiter));
  }

  /**
   * Builds each instance of one kind ({@code faultline.<kind>.instances.<name>}), in the configured order, with the
   * builder's refusals named by their property.
   */
  private static <S, P> Map<String, P> all(String kind, Map<String, S> instances, BiFunction<String, S, P> build) {
    Map<String, P> built = new LinkedHashMap<>();
    instances.forEach((name, settings) -> built.put(name,
        checked("faultline." + kind + ".instances." + name, settings, () -> build.apply(name, settings))));
    return built;
  }

  private Retry retry(String name, RetryProperties p) {
    Retry.Builder b = Retry.builder(name).clock(clock).scheduler(scheduler);
    listeners.forEach(b::listener);
    ifSet(p.maxAttempts(), b::maxAttempts);
    ifSet(p.maxDuration(), b::maxDuration);
    if (p.backoff() != null) {
      b.backoff(backoff(p.backoff()));
    }
    p.retryOn().forEach(b::retryOn);
    p.ignore().forEach(b::ignore);
    p.abortOn().forEach(b::abortOn);
    return b.build();
  }

  private static Backoff backoff(BackoffProperties p) {
    if (p.kind() == null) {
      if (p.delay() != null || p.initial() != null || p.multiplier() != null || p.max() != null || p.base() != null
          || p.jitter() != null) {
        throw new ConfigurationException("backoff.kind", "be set (none, fixed, exponential or decorrelated-jitter) "
            + "when other backoff settings are", "null");
      }
      return null;
    }
    boolean jitter = Boolean.TRUE.equals(p.jitter());
    switch (p.kind()) {
      case NONE:
        only(p, "none");
        return Backoff.none();
      case FIXED: {
        only(p, "fixed", "delay", "jitter");
        Backoff fixed = Backoff.fixed(required("backoff.delay", p.delay(), "fixed"));
        return jitter ? fixed.withFullJitter() : fixed;
      }
      case EXPONENTIAL: {
        only(p, "exponential", "initial", "multiplier", "max", "jitter");
        Backoff exponential = Backoff.exponential(required("backoff.initial", p.initial(), "exponential"),
            p.multiplier() == null ? 2.0 : p.multiplier(), required("backoff.max", p.max(), "exponential"));
        return jitter ? exponential.withFullJitter() : exponential;
      }
      case DECORRELATED_JITTER:
        only(p, "decorrelated-jitter", "base", "max");
        return Backoff.decorrelatedJitter(required("backoff.base", p.base(), "decorrelated-jitter"),
            required("backoff.max", p.max(), "decorrelated-jitter"));
      default:
        throw new IllegalStateException("unknown backoff kind " + p.kind());
    }
  }

  /** Refuses settings that the kind does not use, rather than ignoring them. */
  private static void only(BackoffProperties p, String kind, String... allowed) {
    Map<String, Object> set = new LinkedHashMap<>();
    set.put("delay", p.delay());
    set.put("initial", p.initial());
    set.put("multiplier", p.multiplier());
    set.put("max", p.max());
    set.put("base", p.base());
    set.put("jitter", p.jitter());
    for (Map.Entry<String, Object> e : set.entrySet()) {
      if (e.getValue() != null && !List.of(allowed).contains(e.getKey())) {
        throw new ConfigurationException("backoff." + e.getKey(), "not be set when backoff.kind is " + kind,
            e.getValue());
      }
    }
  }

  private static Duration required(String field, Duration value, String kind) {
    if (value == null) {
      throw new ConfigurationException(field, "be set when backoff.kind is " + kind, "null");
    }
    return value;
  }

  private CircuitBreaker circuitBreaker(String name, CircuitBreakerProperties p) {
    CircuitBreaker.Builder b = CircuitBreaker.builder(name).clock(clock);
    listeners.forEach(b::listener);
    ifSet(p.failureRateThreshold(), b::failureRateThreshold);
    ifSet(p.slowCallRateThreshold(), b::slowCallRateThreshold);
    ifSet(p.slowCallDuration(), b::slowCallDuration);
    if (p.slidingWindowSize() != null) {
      b.slidingWindow(p.slidingWindowType() == null ? CircuitBreaker.SlidingWindowType.COUNT_BASED
          : p.slidingWindowType(), p.slidingWindowSize());
    } else if (p.slidingWindowType() != null) {
      throw new ConfigurationException("slidingWindowSize", "be set when slidingWindowType is ("
          + p.slidingWindowType() + ")", "null");
    }
    ifSet(p.minimumNumberOfCalls(), b::minimumNumberOfCalls);
    ifSet(p.permittedCallsInHalfOpen(), b::permittedCallsInHalfOpen);
    ifSet(p.waitInOpen(), b::waitInOpen);
    ifSet(p.waitMultiplier(), b::waitMultiplier);
    ifSet(p.maxWaitInOpen(), b::maxWaitInOpen);
    p.recordExceptions().forEach(b::recordExceptions);
    p.ignoreExceptions().forEach(b::ignoreExceptions);
    if (Boolean.TRUE.equals(p.automaticHalfOpen())) {
      b.scheduler(scheduler);
    }
    return b.build();
  }

  private Timeout timeout(String name, TimeoutProperties p) {
    Timeout.Builder b = Timeout.builder(name).clock(clock).scheduler(scheduler);
    listeners.forEach(b::listener);
    b.timeout(p.timeout());
    ifSet(p.interruptOnTimeout(), b::interruptOnTimeout);
    return b.build();
  }

  private Bulkhead bulkhead(String name, BulkheadProperties p) {
    Bulkhead.Builder b = Bulkhead.builder(name).clock(clock).scheduler(scheduler);
    listeners.forEach(b::listener);
    ifSet(p.maxConcurrentCalls(), b::maxConcurrentCalls);
    ifSet(p.maxWait(), b::maxWait);
    return b.build();
  }

  private RateLimiter rateLimiter(String name, RateLimiterProperties p) {
    RateLimiter.Builder b = RateLimiter.builder(name).clock(clock).scheduler(scheduler);
    listeners.forEach(b::listener);
    if (p.permits() == null) {
      throw new ConfigurationException("permits", "be set (the rate is permits per period)", "null");
    }
    b.rate(p.permits(), p.period());
    ifSet(p.burst(), b::burst);
    ifSet(p.maxWait(), b::maxWait);
    return b.build();
  }

  /** Passes a setting to the builder if it is set; an unset one keeps the builder's default. */
  private static <T> void ifSet(T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }

  /**
   * Runs a builder, turning its {@link ConfigurationException} into one that names the property. The value reported
   * is the configured one when the field is a single setting ({@code backoff.max} as configured, where the builder
   * reports nanoseconds), else the builder's (one element of a list, or {@code null} for a missing setting).
   */
  private static <P> P checked(String prefix, Object settings, Supplier<P> build) {
    try {
      return build.get();
    } catch (ConfigurationException e) {
      Object configured = configured(settings, e.field());
      Object value = configured == null || configured instanceof Collection ? e.value() : configured;
      // Boot's exception takes no cause; the builder's message, which it carries, says all the cause would.
      throw new InvalidConfigurationPropertyValueException(prefix + "." + property(e.field()), value,
          e.getMessage());
    }
  }

  /** The setting a builder field names, read from the settings record ({@code backoff.max}: backoff, then max). */
  private static Object configured(Object settings, String field) {
    Object current = settings;
    for (String part : field.replaceAll("\\[\\d+]", "").split("\\.")) {
      if (current == null || !current.getClass().isRecord()) {
        return null;
      }
      Object next = null;
      for (RecordComponent component : current.getClass().getRecordComponents()) {
        if (component.getName().equals(part)) {
          try {
            next = component.getAccessor().invoke(current);
          } catch (ReflectiveOperationException ex) {
            return null;
          }
        }
      }
      current = next;
    }
    return current;
  }

  /** A builder field as its property: {@code maxAttempts} as {@code max-attempts}, {@code backoff.initial} as is. */
  static String property(String field) {
    StringBuilder kebab = new StringBuilder(field.length() + 4);
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (Character.isUpperCase(c)) {
        kebab.append('-').append(Character.toLowerCase(c));
      } else {
        kebab.append(c);
      }
    }
    return kebab.toString().toLowerCase(Locale.ROOT);
  }
}
