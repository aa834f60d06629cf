package dev.faultline.console.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * The answer of every error Jetty produces itself, before or outside Javalin's handlers: the API's JSON error
 * {@code {"error": code, "message": text}} with a stable code, instead of Jetty's HTML page.
 *
 * <p>Two ways in. A request Jetty cannot parse (a bad percent-encoding or an illegal character in the URI, a request
 * line or header over the limit, a bad {@code Content-Length}, an unknown HTTP version) never reaches a handler: Jetty
 * answers it from {@link #badMessageError}. A request Jetty parsed but refuses on its way to Javalin (the target
 * {@code *}, a WebSocket upgrade nobody handles) is sent an error and answered from {@link #handle}. Both answer the
 * same JSON with {@code X-Content-Type-Options: nosniff}, {@code Cache-Control: no-store} and the API's CSP, and never a
 * stack trace or the server's version. The path of a request Jetty could not parse is unknown, so the dashboard's
 * paths get the same JSON.
 *
 * <p>Immutable after construction; thread-safe.
 */
final class JsonErrorHandler extends ErrorHandler {
  /** The longest part of Jetty's reason kept in a message: the reason may quote a character of the request. */
  private static final int REASON_KEPT = 100;
  private static final String CSP = "default-src 'none'; frame-ancestors 'none'";

  private final ObjectMapper mapper;
  private final int maxRequestHeadBytes;

  /**
   * @param mapper writes the body
   * @param maxRequestHeadBytes the server's limit on request line and headers, named in 414 and 431 messages
   */
  JsonErrorHandler(ObjectMapper mapper, int maxRequestHeadBytes) {
    this.mapper = mapper;
    this.maxRequestHeadBytes = maxRequestHeadBytes;
    setShowStacks(false);
    setShowServlet(false);
  }

  /**
   * The stable code of an error status Jetty answers; documented in {@code docs/api.md} (Errors). A status without a
   * code of its own gets {@code bad-request} (4xx) or {@code internal} (5xx).
   */
  static String code(int status) {
    return switch (status) {
      case 400 -> "bad-request";
      case 404 -> "not-found";
      case 405 -> "method-not-allowed";
      case 408 -> "request-timeout";
      case 413 -> "payload-too-large";
      case 414 -> "uri-too-long";
      case 415 -> "unsupported-media-type";
      case 431 -> "headers-too-large";
      case 501 -> "not-implemented";
      case 503 -> "unavailable";
      case 505 -> "http-version-not-supported";
      default -> status >= 500 ? "internal" : "bad-request";
    };
  }

  /** The message for the client: what the status means here, and Jetty's reason when it says more. */
  String message(int status, String reason) {
    String what = switch (status) {
      case 400 -> "the request is malformed (its URI, headers or framing)";
      case 404 -> "no such route";
      case 414 -> "the request URI is too long: the request line and headers may take at most "
          + maxRequestHeadBytes + " bytes";
      case 431 -> "the request headers are too large: the request line and headers may take at most "
          + maxRequestHeadBytes + " bytes";
      case 505 -> "the HTTP version is not supported (HTTP/1.0 and HTTP/1.1 are)";
      default -> {
        String standard = HttpStatus.getMessage(status);
        yield standard == null ? "the request failed with status " + status : standard.toLowerCase();
      }
    };
    if (reason == null || reason.isBlank() || reason.equalsIgnoreCase(HttpStatus.getMessage(status))) {
      return what;
    }
    String kept = reason.length() > REASON_KEPT ? reason.substring(0, REASON_KEPT) + "..." : reason;
    return what + ": " + kept;
  }

  byte[] body(int status, String reason) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", code(status));
    body.put("message", message(status, reason));
    try {
      return mapper.writeValueAsBytes(body);
    } catch (JsonProcessingException impossible) {
      return ("{\"error\":\"" + code(status) + "\"}").getBytes(StandardCharsets.UTF_8);
    }
  }

  /** A request Jetty could not parse: no handler ran, and Jetty writes these fields and this body. */
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    if (HttpStatus.hasNoBody(status)) {
      return ByteBuffer.allocate(0);
    }
    fields.put(HttpHeader.CONTENT_TYPE, "application/json");
    fields.put(HttpHeader.CACHE_CONTROL, "no-store");
    fields.put("X-Content-Type-Options", "nosniff");
    fields.put("Content-Security-Policy", CSP);
    return ByteBuffer.wrap(body(status, reason));
  }

  /** A request Jetty sent an error before it reached Javalin (the response is reset; the status is set). */
  @Override
  public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    baseRequest.setHandled(true);
    if (response.isCommitted()) {
      return;
    }
    int status = response.getStatus();
    Object reason = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
    byte[] body = body(status, reason instanceof String s ? s : null);
    response.setContentType("application/json");
    response.setHeader(HttpHeader.CACHE_CONTROL.asString(), "no-store");
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.setHeader("Content-Security-Policy", CSP);
    if (HttpStatus.hasNoBody(status)) {
      return;
    }
    response.setContentLength(body.length);
    try {
      OutputStream out = response.getOutputStream();
      out.write(body);
    } catch (IllegalStateException writerInUse) {
      PrintWriter writer = response.getWriter();
      writer.write(new String(body, StandardCharsets.UTF_8));
    }
  }
}
