package dev.faultline.core.fallback;

import dev.faultline.core.Clock;
import dev.faultline.core.event.FaultEventListener;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The resolved configuration of a {@link Fallback}, built only by {@link Fallback.Builder#build()}.
 *
 * <p>Immutable and thread-safe (the value, functions, predicates, clock and listeners it refers to must be
 * thread-safe themselves).
 *
 * @param <T> the type of the fallback's value
 */
public final class FallbackConfig<T> {

  /** What a fallback gives. */
  public enum Source {
    /** A fixed value. */
    VALUE,
    /** A function of the failure. */
    FUNCTION,
    /** The outcome of an alternative call. */
    CALL,
    /** The outcome of an alternative asynchronous call. */
    ASYNC_CALL
  }

  private final String name;
  private final Source source;
  private final T value;
  private final Function<? super Throwable, ? extends T> function;
  private final Callable<? extends T> call;
  private final Function<? super Throwable, ? extends CompletionStage<? extends T>> asyncCall;
  private final List<Class<? extends Throwable>> handle;
  private final Predicate<? super Throwable> handleIf;
  private final Predicate<Object> handleResult;
  private final Clock clock;
  private final List<FaultEventListener> listeners;

  FallbackConfig(String name, Source source, T value, Function<? super Throwable, ? extends T> function,
      Callable<? extends T> call, Function<? super Throwable, ? extends CompletionStage<? extends T>> asyncCall,
      List<Class<? extends Throwable>> handle, Predicate<? super Throwable> handleIf, Predicate<Object> handleResult,
      Clock clock, List<FaultEventListener> listeners) {
    this.name = name;
    this.source = source;
    this.value = value;
    this.function = function;
    this.call = call;
    this.asyncCall = asyncCall;
    this.handle = List.copyOf(handle);
    this.handleIf = handleIf;
    this.handleResult = handleResult;
    this.clock = clock;
    this.listeners = List.copyOf(listeners);
  }

  /** The fallback's name. */
  public String name() {
    return name;
  }

  /** What the fallback gives. */
  public Source source() {
    return source;
  }

  /** The fixed value, for {@link Source#VALUE} (may be null). */
  public Optional<T> value() {
    return Optional.ofNullable(value);
  }

  /** The function of the failure, for {@link Source#FUNCTION}. */
  public Optional<Function<? super Throwable, ? extends T>> function() {
    return Optional.ofNullable(function);
  }

  /** The alternative call, for {@link Source#CALL}. */
  public Optional<Callable<? extends T>> call() {
    return Optional.ofNullable(call);
  }

  /** The alternative asynchronous call, for {@link Source#ASYNC_CALL}. */
  public Optional<Function<? super Throwable, ? extends CompletionStage<? extends T>>> asyncCall() {
    return Optional.ofNullable(asyncCall);
  }

  /** The exception types handled (empty: every non-fatal type, unless {@link #handleIf()} is set). */
  public List<Class<? extends Throwable>> handle() {
    return handle;
  }

  /** The predicate of exceptions handled, if one was given. */
  public Optional<Predicate<? super Throwable>> handleIf() {
    return Optional.ofNullable(handleIf);
  }

  /** The predicate of results replaced, if one was given. */
  public Optional<Predicate<Object>> handleResult() {
    return Optional.ofNullable(handleResult);
  }

  /** The clock that stamps events. */
  public Clock clock() {
    return clock;
  }

  /** The event listeners. */
  public List<FaultEventListener> listeners() {
    return listeners;
  }

  @Override
  public String toString() {
    return "FallbackConfig[name=" + name + ", source=" + source + ", handle=" + handle + "]";
  }
}
