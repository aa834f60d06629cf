package dev.faultline.core.fallback;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.Policy;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.internal.Validate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A policy that replaces the failed outcome of a call with a value, a function of the failure, or the outcome of an
 * alternative call.
 *
 * <p><b>When it applies.</b> To an exception that is not {@linkplain dev.faultline.core.internal.Exceptions#isFatal
 * fatal} and that, when {@link Builder#handle} types or a {@link Builder#handleIf} predicate were given, is an
 * instance of one of the types or matches the predicate (with neither given: to every non-fatal exception); and to a
 * result that matches {@link Builder#handleResult}. Fatal errors are never replaced: they pass through untouched.
 * Anything else passes through as it is. If the {@code handleIf} predicate throws, its exception is the outcome, with
 * the failure it was judging attached as suppressed.
 *
 * <p><b>What it gives</b>, set exactly once on the builder: {@link Builder#value} (a fixed value),
 * {@link Builder#apply} (a function of the failure, which receives {@code null} when a result predicate triggered
 * it), {@link Builder#call} (an alternative call) or {@link Builder#callAsync} (an alternative asynchronous call, a
 * function of the failure or null). An alternative call runs in the thread that saw the failure: in asynchronous
 * executions, a {@code call} runs in the thread that completed the failed stage; in synchronous executions, a
 * {@code callAsync} is waited for, and cancelled if the waiting thread is interrupted (the execution then throws
 * {@link InterruptedException}). If the fallback itself throws, that exception is the outcome, with the original
 * failure attached as suppressed.
 *
 * <p><b>Types.</b> A fallback is generic in {@code T} but, like every {@link Policy}, runs chains of any result type:
 * its value is cast to the pipeline's result type unchecked. The fallback's value must fit the result type of the
 * calls it guards; a mismatch surfaces as a {@link ClassCastException} where the caller uses the result.
 *
 * <p><b>Interrupts.</b> An {@link InterruptedException} is replaced like any other exception, but a synchronous
 * execution does not swallow the interrupt: the fallback runs with the thread's interrupt flag clear, as the exception
 * left it, and the flag is set again before the execution returns the fallback's outcome (unless that outcome is
 * itself an {@code InterruptedException}), so that the caller can still stop.
 *
 * <p><b>Events</b> (built only when a listener is registered): {@code FallbackApplied} when the fallback replaces an
 * outcome, with the failure (null for a result), published before the fallback runs.
 *
 * <p>Cancelling the future returned by {@link #callAsync}/{@link #executeAsync} cancels the call in flight or the
 * alternative call in flight. The success path of {@link #call} allocates nothing.
 *
 * <p>Thread-safe.
 *
 * @param <T> the type of the fallback's value
 */
public interface Fallback<T> extends Policy {

  /**
   * Starts a builder for a fallback named {@code name}; name the type when chaining, as in
   * {@code Fallback.<String>builder("greeting").value("hello").build()}.
   */
  static <T> Builder<T> builder(String name) {
    return new Builder<>(name);
  }

  /** The configuration this fallback was built with. */
  FallbackConfig<T> config();

  /** A snapshot of this fallback's counters. */
  Metrics metrics();

  /**
   * A snapshot of a fallback's counters, each read separately.
   *
   * @param calls executions started
   * @param fallbacksApplied executions whose outcome the fallback replaced (or tried to)
   * @param fallbackFailures fallbacks that themselves failed
   */
  record Metrics(long calls, long fallbacksApplied, long fallbackFailures) {}

  /**
   * Builds a {@link Fallback}. Not thread-safe.
   *
   * @param <T> the type of the fallback's value
   */
  final class Builder<T> {
    private final String name;
    private final List<String> sources = new ArrayList<>();
    private FallbackConfig.Source source;
    private T value;
    private Function<? super Throwable, ? extends T> function;
    private Callable<? extends T> call;
    private Function<? super Throwable, ? extends CompletionStage<? extends T>> asyncCall;
    private final List<Class<? extends Throwable>> handle = new ArrayList<>();
    private Predicate<? super Throwable> handleIf;
    private Predicate<Object> handleResult;
    private Clock clock = Clock.system();
    private final List<FaultEventListener> listeners = new ArrayList<>();

    Builder(String name) {
      this.name = name;
    }

    /** Falls back to {@code value} (which may be null). */
    public Builder<T> value(T value) {
      source(FallbackConfig.Source.VALUE);
      this.value = value;
      return this;
    }

    /** Falls back to {@code function} applied to the failure (null when a result predicate triggered it). */
    public Builder<T> apply(Function<? super Throwable, ? extends T> function) {
      source(FallbackConfig.Source.FUNCTION);
      this.function = function;
      return this;
    }

    /** Falls back to the outcome of the alternative call {@code call}. */
    public Builder<T> call(Callable<? extends T> call) {
      source(FallbackConfig.Source.CALL);
      this.call = call;
      return this;
    }

    /**
     * Falls back to the outcome of the alternative asynchronous call {@code call}, given the failure (null when a
     * result predicate triggered it).
     */
    public Builder<T> callAsync(Function<? super Throwable, ? extends CompletionStage<? extends T>> call) {
      source(FallbackConfig.Source.ASYNC_CALL);
      this.asyncCall = call;
      return this;
    }

    private void source(FallbackConfig.Source source) {
      this.source = source;
      sources.add(source.name());
    }

    /** Applies only to exceptions that are instances of these types (or match {@link #handleIf}). */
    @SafeVarargs
    public final Builder<T> handle(Class<? extends Throwable>... types) {
      for (Class<? extends Throwable> type : types) {
        handle.add(type);
      }
      return this;
    }

    /** Applies to exceptions that match {@code predicate} (replacing an earlier one). */
    public Builder<T> handleIf(Predicate<? super Throwable> predicate) {
      this.handleIf = predicate;
      return this;
    }

    /** Applies also to results that match {@code predicate} (replacing an earlier one). */
    public Builder<T> handleResult(Predicate<Object> predicate) {
      this.handleResult = predicate;
      return this;
    }

    /** The clock that stamps events (default {@link Clock#system()}). */
    public Builder<T> clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Adds a listener for this fallback's events; may be called several times. */
    public Builder<T> listener(FaultEventListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Builds the fallback.
     *
     * @throws ConfigurationException naming the field, rule and value if the configuration is invalid
     */
    public Fallback<T> build() {
      Validate.notBlank("name", name);
      if (sources.size() != 1) {
        throw new ConfigurationException("fallback", "be set exactly once, by value, apply, call or callAsync",
            sources.isEmpty() ? "not set" : String.join(" and ", sources));
      }
      switch (source) {
        case FUNCTION:
          Validate.notNull("apply", function);
          break;
        case CALL:
          Validate.notNull("call", call);
          break;
        case ASYNC_CALL:
          Validate.notNull("callAsync", asyncCall);
          break;
        default:
          break;
      }
      for (Class<? extends Throwable> type : handle) {
        Validate.notNull("handle[]", type);
        if (VirtualMachineError.class.isAssignableFrom(type) || LinkageError.class.isAssignableFrom(type)) {
          throw new ConfigurationException("handle", "not list a fatal error type (fatal errors are never replaced)",
              type.getName());
        }
      }
      Validate.notNull("clock", clock);
      return new DefaultFallback<>(new FallbackConfig<>(name, source, value, function, call, asyncCall, handle,
          handleIf, handleResult, clock, listeners));
    }
  }
}
