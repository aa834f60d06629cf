package dev.faultline.core.internal;

import dev.faultline.core.FaultlineException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Classifies failures in one place. */
public final class Exceptions {
  private Exceptions() {}

  /**
   * Whether {@code t} must never be handled by a policy (retried, counted as a downstream failure, replaced by a
   * fallback): virtual machine errors such as {@link OutOfMemoryError}, and linkage errors.
   */
  public static boolean isFatal(Throwable t) {
    return t instanceof VirtualMachineError || t instanceof LinkageError;
  }

  /** Rethrows {@code t} if it is {@linkplain #isFatal fatal}. */
  public static void rethrowIfFatal(Throwable t) {
    if (isFatal(t)) {
      throw (Error) t;
    }
  }

  /** Returns {@code e} if unchecked, else wraps it in a {@link FaultlineException} with code {@code "checked-exception"}. */
  public static RuntimeException unchecked(Exception e) {
    if (e instanceof RuntimeException) {
      return (RuntimeException) e;
    }
    return new FaultlineException("checked-exception", "call failed with " + e, e);
  }

  /** Throws {@code t} as it is, checked or not, without wrapping. */
  public static Exception sneakyThrow(Throwable t) {
    throw Exceptions.<RuntimeException>sneaky(t);
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E sneaky(Throwable t) throws E {
    throw (E) t;
  }

  /** Strips {@link CompletionException} and {@link ExecutionException} wrappers from an asynchronous failure. */
  public static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
