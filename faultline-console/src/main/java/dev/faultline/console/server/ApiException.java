package dev.faultline.console.server;

/**
 * A request the API refuses, with the HTTP status, a stable code and a message for the client; never carries a stack
 * trace to the client. Immutable, thread-safe.
 */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final long retryAfterSeconds;

  ApiException(int status, String code, String message) {
    this(status, code, message, 0);
  }

  ApiException(int status, String code, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  /** Seconds for a {@code Retry-After} header, or 0 for none. */
  long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  static ApiException badRequest(String message) {
    return new ApiException(400, "bad-request", message);
  }
}
