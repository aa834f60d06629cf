package dev.faultline.core.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

/** Helpers for policies that wrap a {@link CompletionStage}. */
public final class Stages {
  private Stages() {}

  /**
   * Cancels {@code stage} if it is a {@link Future} that supports cancelling (as a {@link CompletableFuture} does, but
   * not its {@linkplain CompletableFuture#minimalCompletionStage() minimal stage}); other stages are left alone.
   * Returns whether the stage was cancelled by this call.
   */
  public static boolean cancel(CompletionStage<?> stage) {
    if (stage instanceof Future) {
      try {
        return ((Future<?>) stage).cancel(true);
      } catch (UnsupportedOperationException cannotCancel) {
        return false;
      }
    }
    return false;
  }

  /** When {@code target} is cancelled, cancels {@code source} too (if it can be cancelled). */
  public static void cancelWith(CompletableFuture<?> target, CompletionStage<?> source) {
    target.whenComplete((value, failure) -> {
      if (target.isCancelled()) {
        cancel(source);
      }
    });
  }

  /** Completes {@code target} with the value or the failure of an outcome. */
  public static <T> void complete(CompletableFuture<T> target, T value, Throwable failure) {
    if (failure == null) {
      target.complete(value);
    } else {
      target.completeExceptionally(failure);
    }
  }
}
