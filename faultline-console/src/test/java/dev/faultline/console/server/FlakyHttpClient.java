package dev.faultline.console.server;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * An {@link HttpClient} that answers each request by the next step of a script: a status of its own, an I/O failure,
 * passing the request to a real client (a console), or passing it and then losing the answer (the console stored the
 * batch; the client sees a reset connection). With the script used up, it passes requests on (or answers 202 without a
 * delegate). Records every request and every answer. Thread-safe (every method is synchronized except the wait in a
 * delegate's send).
 */
final class FlakyHttpClient extends SendOnlyHttpClient {
  /** One step of the script. */
  record Step(String what, int status, String retryAfter) {
    static Step status(int status) {
      return new Step("status", status, null);
    }

    /** A status answered with the header {@code Retry-After: retryAfter}. */
    static Step status(int status, String retryAfter) {
      return new Step("status", status, retryAfter);
    }

    static Step ioFailure() {
      return new Step("io", 0, null);
    }

    /** The client throws an unchecked exception, as a bug or an odd request could make it. */
    static Step unchecked() {
      return new Step("unchecked", 0, null);
    }

    static Step forward() {
      return new Step("forward", 0, null);
    }

    static Step forwardThenLoseTheAnswer() {
      return new Step("forward-lose", 0, null);
    }
  }

  /** A request made: its path, its Idempotency-Key, and the answer (a status, or -1 for an I/O failure). */
  record Call(String path, String idempotencyKey, int answered, boolean replayed) {}

  private final HttpClient delegate;
  private final Deque<Step> script = new ArrayDeque<>();
  private final List<Call> calls = new ArrayList<>();

  FlakyHttpClient(HttpClient delegate, Step... steps) {
    this.delegate = delegate;
    script.addAll(List.of(steps));
  }

  synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  private synchronized Step next() {
    Step step = script.poll();
    return step != null ? step : delegate != null ? Step.forward() : Step.status(202);
  }

  private synchronized void record(HttpRequest request, int answered, boolean replayed) {
    calls.add(new Call(request.uri().getPath(), request.headers().firstValue("Idempotency-Key").orElse(null),
        answered, replayed));
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    Step step = next();
    switch (step.what()) {
      case "status":
        record(request, step.status(), false);
        return step.retryAfter() == null ? response(request, step.status())
            : response(request, step.status(), Map.of("Retry-After", List.of(step.retryAfter())));
      case "io":
        record(request, -1, false);
        throw new java.net.ConnectException("Connection refused (scripted)");
      case "unchecked":
        record(request, -1, false);
        throw new IllegalStateException("scripted unchecked failure of the client");
      case "forward": {
        HttpResponse<T> response = delegate.send(request, handler);
        record(request, response.statusCode(), replayed(response));
        return response;
      }
      default: {
        HttpResponse<Void> response = delegate.send(request, HttpResponse.BodyHandlers.discarding());
        record(request, -1, replayed(response));
        throw new IOException("Connection reset (scripted: the console answered " + response.statusCode()
            + ", the answer was lost)");
      }
    }
  }

  private static boolean replayed(HttpResponse<?> response) {
    return response.headers().firstValue("Idempotent-Replayed").isPresent();
  }
}
