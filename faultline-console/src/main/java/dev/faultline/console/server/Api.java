package dev.faultline.console.server;

import io.javalin.http.Context;
import java.util.Map;

/** The types every group of endpoints shares: what an endpoint is, who calls it, and what it answers. */
final class Api {
  private Api() {}

  /** What a route does once the caller is allowed. */
  @FunctionalInterface
  interface Endpoint {
    Reply handle(Context ctx, Principal principal) throws Exception;
  }

  /**
   * A response: status, JSON body (any value Jackson writes), a detail for the audit log (or null), and response
   * headers of its own.
   */
  record Reply(int status, Object body, String detail, Map<String, String> headers) {
    Reply(int status, Object body, String detail) {
      this(status, body, detail, Map.of());
    }

    static Reply ok(Object body) {
      return new Reply(200, body, null);
    }
  }

  /**
   * An authenticated caller: a user (by session) or a service key.
   *
   * @param name the user, or the key's service
   * @param credential the key of its rate limiter ({@code user:NAME} or {@code key:ID})
   * @param session the session token, or null for a service key
   * @param viaCookie whether the session came in the cookie (then changes need the CSRF header)
   */
  record Principal(String name, Role role, String credential, String session, boolean viaCookie) {}
}
