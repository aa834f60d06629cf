package dev.faultline.supervisor.watchdog;

import dev.faultline.core.FaultlineException;

/**
 * A unit of work outlived its deadline, or its thread is deadlocked. The exception's stack trace is the stack of the
 * hung thread at the moment it was caught, so reports show where it was stuck, not where the watchdog ran.
 */
public final class HungWorkException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with {@code code} ("work-overdue", "work-hung", "deadlock") and the hung thread's stack. */
  public HungWorkException(String code, String message, StackTraceElement[] stack) {
    super(code, message);
    setStackTrace(stack.clone());
  }
}
