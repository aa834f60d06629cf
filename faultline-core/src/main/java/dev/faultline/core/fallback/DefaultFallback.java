package dev.faultline.core.fallback;

import dev.faultline.core.AsyncChain;
import dev.faultline.core.Chain;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.internal.Events;
import dev.faultline.core.internal.Exceptions;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The implementation of {@link Fallback}.
 *
 * <p>Thread-safe. Concurrency design: the configuration is held in final fields; the only shared mutable state is the
 * metric counters ({@link LongAdder}s, read separately). An asynchronous execution keeps its stages in an
 * {@link AsyncExecution} whose volatile fields are read by a concurrent cancellation. Listeners are called in the
 * thread that saw the failure, holding no lock.
 *
 * @param <T> the type of the fallback's value
 */
final class DefaultFallback<T> implements Fallback<T> {
  private final FallbackConfig<T> config;
  private final String name;
  private final FallbackConfig.Source source;
  private final T value;
  private final Function<? super Throwable, ? extends T> function;
  private final Callable<? extends T> alternative;
  private final Function<? super Throwable, ? extends CompletionStage<? extends T>> asyncAlternative;
  private final Class<?>[] handle;
  private final Predicate<? super Throwable> handleIf;
  private final boolean handleAll;
  private final Predicate<Object> handleResult;
  private final Events events;

  private final LongAdder calls = new LongAdder();
  private final LongAdder applied = new LongAdder();
  private final LongAdder fallbackFailures = new LongAdder();

  DefaultFallback(FallbackConfig<T> config) {
    this.config = config;
    this.name = config.name();
    this.source = config.source();
    this.value = config.value().orElse(null);
    this.function = config.function().orElse(null);
    this.alternative = config.call().orElse(null);
    this.asyncAlternative = config.asyncCall().orElse(null);
    List<Class<? extends Throwable>> types = config.handle();
    this.handle = types.toArray(new Class<?>[0]);
    this.handleIf = config.handleIf().orElse(null);
    this.handleAll = handle.length == 0 && handleIf == null;
    this.handleResult = config.handleResult().orElse(null);
    this.events = new Events(config.clock(), config.listeners());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public PolicyKind kind() {
    return PolicyKind.FALLBACK;
  }

  @Override
  public FallbackConfig<T> config() {
    return config;
  }

  @Override
  public Metrics metrics() {
    return new Metrics(calls.sum(), applied.sum(), fallbackFailures.sum());
  }

  /**
   * Whether the fallback replaces the exception {@code failure}. A {@code handleIf} predicate that throws makes its
   * exception the outcome, carrying {@code failure} as suppressed so that the failure is not lost.
   */
  private boolean handles(Throwable failure) {
    if (Exceptions.isFatal(failure)) {
      return false;
    }
    if (handleAll) {
      return true;
    }
    for (Class<?> type : handle) {
      if (type.isInstance(failure)) {
        return true;
      }
    }
    if (handleIf == null) {
      return false;
    }
    try {
      return handleIf.test(failure);
    } catch (RuntimeException | Error predicateFailure) {
      if (predicateFailure != failure) {
        predicateFailure.addSuppressed(failure);
      }
      throw predicateFailure;
    }
  }

  private boolean handlesResult(Object result) {
    return handleResult != null && handleResult.test(result);
  }

  private void applying(Throwable failure) {
    applied.increment();
    if (events.enabled()) {
      events.publish(new PolicyEvent.FallbackApplied(name, events.now(), failure));
    }
  }

  /** Records that the fallback itself failed with {@code thrown} while replacing {@code failure}; returns it. */
  private Throwable fallbackFailed(Throwable thrown, Throwable failure) {
    fallbackFailures.increment();
    if (failure != null && thrown != failure && !Exceptions.isFatal(thrown)) {
      thrown.addSuppressed(failure);
    }
    return thrown;
  }

  // ---- synchronous ----

  @Override
  public <R> R call(Callable<? extends R> call) throws Exception {
    Objects.requireNonNull(call, "call");
    return run(null, call);
  }

  @Override
  public <R> R execute(Chain<R> chain) throws Exception {
    Objects.requireNonNull(chain, "chain");
    return run(chain, null);
  }

  private <R> R run(Chain<R> chain, Callable<? extends R> call) throws Exception {
    calls.increment();
    R result;
    try {
      result = chain != null ? chain.proceed() : call.call();
    } catch (Throwable failure) {
      if (!handles(failure)) {
        throw Exceptions.sneakyThrow(failure);
      }
      if (failure instanceof InterruptedException) {
        return fallBackInterrupted(failure);
      }
      return fallBack(failure);
    }
    if (handleResult != null && handlesResult(result)) {
      return fallBack(null);
    }
    return result;
  }

  /**
   * Replaces an {@link InterruptedException}, which cleared the thread's interrupt flag when it was thrown: the
   * fallback runs with the flag clear (so that an alternative call does not fail at once), then the flag is set again
   * so that the caller still learns of the interrupt, unless the outcome is itself an {@code InterruptedException}.
   */
  private <R> R fallBackInterrupted(Throwable interrupted) throws Exception {
    boolean restore = true;
    try {
      return fallBack(interrupted);
    } catch (InterruptedException again) {
      restore = false;
      throw again;
    } finally {
      if (restore) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @SuppressWarnings("unchecked") // documented: the fallback's value must fit the pipeline's result type
  private <R> R fallBack(Throwable failure) throws Exception {
    applying(failure);
    try {
      switch (source) {
        case VALUE:
          return (R) value;
        case FUNCTION:
          return (R) function.apply(failure);
        case CALL:
          return (R) alternative.call();
        case ASYNC_CALL:
          return (R) await(asyncAlternative.apply(failure));
        default:
          throw new AssertionError(source);
      }
    } catch (Throwable thrown) {
      throw Exceptions.sneakyThrow(fallbackFailed(thrown, failure));
    }
  }

  /**
   * Waits for an alternative asynchronous call in a synchronous execution; if the waiting thread is interrupted, the
   * alternative is cancelled (nobody will wait for it any more) and {@link InterruptedException} is thrown.
   */
  private static Object await(CompletionStage<?> stage) throws Exception {
    if (stage == null) {
      throw new NullPointerException("fallback callAsync returned a null stage");
    }
    try {
      return stage.toCompletableFuture().get();
    } catch (ExecutionException e) {
      throw Exceptions.sneakyThrow(Exceptions.unwrap(e));
    } catch (InterruptedException e) {
      cancel(stage);
      throw e;
    }
  }

  // ---- asynchronous ----

  @Override
  public <R> CompletionStage<R> callAsync(Supplier<? extends CompletionStage<R>> call) {
    Objects.requireNonNull(call, "call");
    return runAsync(null, call);
  }

  @Override
  public <R> CompletionStage<R> executeAsync(AsyncChain<R> chain) {
    Objects.requireNonNull(chain, "chain");
    return runAsync(chain, null);
  }

  private <R> CompletionStage<R> runAsync(AsyncChain<R> chain, Supplier<? extends CompletionStage<R>> call) {
    calls.increment();
    CompletionStage<R> stage;
    try {
      stage = chain != null ? chain.proceed() : call.get();
      if (stage == null) {
        stage = CompletableFuture.failedFuture(new NullPointerException("async call returned a null stage"));
      }
    } catch (Throwable t) {
      stage = CompletableFuture.failedFuture(t);
    }
    if (handleResult == null && stage instanceof CompletableFuture) {
      CompletableFuture<R> future = (CompletableFuture<R>) stage;
      if (future.isDone() && !future.isCompletedExceptionally()) {
        return future;
      }
    }
    AsyncExecution<R> execution = new AsyncExecution<>(stage);
    execution.start();
    return execution.promise;
  }

  /**
   * One asynchronous execution: follows the call's stage and completes {@link #promise} with its outcome or the
   * fallback's. {@code current} (volatile) is the stage in flight, the call's and then the alternative call's; a
   * cancellation of the promise, from any thread, cancels it.
   */
  private final class AsyncExecution<R> implements BiConsumer<R, Throwable> {
    final CompletableFuture<R> promise = new CompletableFuture<>();
    private volatile CompletionStage<?> current;

    AsyncExecution(CompletionStage<R> stage) {
      this.current = stage;
    }

    void start() {
      promise.whenComplete((ignored, failure) -> {
        if (promise.isCancelled()) {
          cancel(current);
        }
      });
      @SuppressWarnings("unchecked")
      CompletionStage<R> stage = (CompletionStage<R>) current;
      stage.whenComplete(this);
    }

    @Override
    public void accept(R result, Throwable thrown) {
      if (promise.isDone()) {
        return;
      }
      try {
        if (thrown == null) {
          if (handlesResult(result)) {
            fallBackAsync(null);
          } else {
            promise.complete(result);
          }
          return;
        }
        Throwable failure = Exceptions.unwrap(thrown);
        if (handles(failure)) {
          fallBackAsync(failure);
        } else {
          promise.completeExceptionally(failure);
        }
      } catch (Throwable t) {
        promise.completeExceptionally(t);
      }
    }

    @SuppressWarnings("unchecked") // documented: the fallback's value must fit the pipeline's result type
    private void fallBackAsync(Throwable failure) {
      applying(failure);
      CompletionStage<? extends T> stage;
      try {
        switch (source) {
          case VALUE:
            promise.complete((R) value);
            return;
          case FUNCTION:
            promise.complete((R) function.apply(failure));
            return;
          case CALL:
            promise.complete((R) alternative.call());
            return;
          case ASYNC_CALL:
            stage = asyncAlternative.apply(failure);
            if (stage == null) {
              throw new NullPointerException("fallback callAsync returned a null stage");
            }
            break;
          default:
            throw new AssertionError(source);
        }
      } catch (Throwable thrown) {
        promise.completeExceptionally(fallbackFailed(thrown, failure));
        return;
      }
      current = stage;
      if (promise.isCancelled()) {
        cancel(stage);
        return;
      }
      stage.whenComplete((alternativeResult, alternativeFailure) -> {
        if (alternativeFailure == null) {
          promise.complete((R) alternativeResult);
        } else if (!promise.isDone()) {
          promise.completeExceptionally(fallbackFailed(Exceptions.unwrap(alternativeFailure), failure));
        }
      });
    }
  }

  private static void cancel(CompletionStage<?> stage) {
    if (stage == null) {
      return;
    }
    try {
      stage.toCompletableFuture().cancel(false);
    } catch (UnsupportedOperationException e) {
      // A stage that cannot be converted cannot be cancelled: its outcome is ignored instead.
    }
  }

  @Override
  public String toString() {
    return "Fallback[" + name + "]";
  }
}
