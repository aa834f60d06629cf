package dev.faultline.core;

/**
 * The root of every exception that Faultline throws itself.
 *
 * <p>Each subtype carries a stable {@link #code()} so that errors crossing a process boundary (the command line, the
 * HTTP API) can be matched without parsing messages. Messages state the rule that was broken and the value that broke it.
 */
public class FaultlineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  /** Creates an exception with a stable code and a message. */
  public FaultlineException(String code, String message) {
    super(message);
    this.code = code;
  }

  /** Creates an exception with a stable code, a message and a cause. */
  public FaultlineException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /**
   * Creates an exception whose stack trace is not filled in: for rejections on hot paths, which are decisions, not bugs.
   */
  protected FaultlineException(String code, String message, Throwable cause, boolean writableStackTrace) {
    super(message, cause, false, writableStackTrace);
    this.code = code;
  }

  /** The stable code of this kind of error, for example {@code "circuit-open"}. */
  public String code() {
    return code;
  }
}
