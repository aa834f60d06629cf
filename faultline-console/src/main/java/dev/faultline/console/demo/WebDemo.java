package dev.faultline.console.demo;

import dev.faultline.console.server.ConsoleReporter;
import dev.faultline.console.server.ConsoleServer;
import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.circuitbreaker.CircuitState;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.diagnosis.incident.HttpIncidentReporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * {@code faultline demo} with its console: a {@link ConsoleServer} and the {@link DemoSystem} shop, whose services
 * report to it over HTTP exactly as real services would — each with its own service key, its {@code FaultEvent}s and
 * heartbeats through a {@link ConsoleReporter}, its incidents through the library's {@link HttpIncidentReporter}. The
 * server also gets the shop's fault tree and, live, the order workflows and the inventory's checkpoints, so the
 * dashboard can resume and cancel the one and roll back the other.
 *
 * <p>What goes over the wire: every component, state, workflow and incident event, and of the payment policies' many
 * per-call decisions only the breaker's transitions and the calls whose retries gave up; the rest are counted and
 * sent once a second as metric samples ({@code payments.attempts.failed}, ...), so a long demo does not flood the
 * event store. Heartbeats carry a status derived from the events: a crashed component's instance is {@code DOWN}
 * until it is back, the payment service {@code DEGRADED} while its breaker is not closed.
 *
 * <p>Thread-safe: started once by its factory; the reporters and services are thread-safe.
 */
public final class WebDemo implements AutoCloseable {
  /** The name under which the shop's fault tree is given to the console. */
  public static final String FAULT_TREE = "demo-shop";
  private static final Duration BEAT = Duration.ofSeconds(1);

  private final ConsoleServer server;
  private final String setupToken;
  private final List<AutoCloseable> reporters = new ArrayList<>();
  private final Map<String, LongAdder> paymentCounts = new ConcurrentHashMap<>();
  private final DemoSystem system;
  private final Clock clock;
  private volatile boolean closed;

  private WebDemo(Path dataDir, int port, Duration cycle, long seed, Clock clock) throws IOException {
    this.clock = clock;
    List<String> tokens = new ArrayList<>(1);
    Consumer<String> sink = tokens::add;
    // The shop is built once the server runs (its services need their keys); the server finds its live workflows
    // and checkpoints through it on every request. The order service's executor changes when it is restarted.
    AtomicReference<DemoSystem> shop = new AtomicReference<>();
    this.server = ConsoleServer.builder(dataDir.resolve("console")).port(port).clock(clock).setupTokenSink(sink)
        .workflows(OrderService.EXECUTOR, () -> shop.get() == null ? null : shop.get().orders().executor())
        .checkpoints("inventory", () -> shop.get() == null ? null : shop.get().inventory().state())
        .start();
    this.setupToken = tokens.isEmpty() ? null : tokens.get(0);
    try {
      Scheduler scheduler = Scheduler.system();
      Map<String, ConsoleReporter> byService = new ConcurrentHashMap<>();
      this.system = new DemoSystem(dataDir.resolve("shop"), clock, cycle, seed, service -> {
        String key = key(service);
        ConsoleReporter reporter = reporter(service, key);
        byService.put(service, reporter);
        HttpIncidentReporter incidents = HttpIncidentReporter.builder()
            .uri(server.baseUri().resolve("/api/v1/incidents")).apiKey(key)
            .closeTimeout(Duration.ofSeconds(2)).build();
        reporters.add(incidents);
        return new Wiring(service, clock, scheduler, health(service, reporter), incidents,
            new DemoLog(service, clock, 40));
      });
      shop.set(system);
      server.putFaultTree(FAULT_TREE, DemoSystem.faultTree(), "demo");
      scheduler.schedule(() -> sendPaymentCounts(byService.get("payments")), BEAT.toNanos());
    } catch (IOException | RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  /**
   * Starts the console on {@code port} (0: any free port) with its data in {@code dataDir}, and the shop whose
   * script repeats every {@code cycle}.
   */
  public static WebDemo start(Path dataDir, int port, Duration cycle, long seed, Clock clock) throws IOException {
    WebDemo demo = new WebDemo(dataDir, port, cycle, seed, clock);
    try {
      demo.system.start();
    } catch (RuntimeException | Error e) {
      // A service that could not start: stop those started before it, the reporters and the console.
      try {
        demo.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return demo;
  }

  private String key(String service) {
    try {
      return server.createServiceKey(service);
    } catch (IOException e) {
      throw new UncheckedIOException("could not create the service key of " + service, e);
    }
  }

  private ConsoleReporter reporter(String service, String key) {
    ConsoleReporter.Builder builder = ConsoleReporter.builder(server.baseUri(), key).clock(clock);
    for (String instance : instances(service)) {
      builder.heartbeat(instance, BEAT);
    }
    ConsoleReporter reporter = builder.build();
    reporters.add(reporter);
    return reporter;
  }

  private static List<String> instances(String service) {
    return service.equals("ledger") ? List.of("ledger-a", "ledger-b") : List.of(service + "-1");
  }

  /**
   * The listener of one service: sends what matters to the console, counts the per-call decisions, and keeps the
   * instance's heartbeat status in step with what happened.
   */
  private FaultEventListener health(String service, ConsoleReporter reporter) {
    return event -> {
      if (event instanceof PolicyEvent policy && !(policy instanceof PolicyEvent.CircuitStateChanged)
          && !(policy instanceof PolicyEvent.RetriesExhausted)) {
        paymentCounts.computeIfAbsent(metricName(policy), n -> new LongAdder()).increment();
        return;
      }
      reporter.onEvent(event);
      status(service, event, reporter);
    };
  }

  private static String metricName(FaultEvent event) {
    return switch (event.getClass().getSimpleName()) {
      case "AttemptFailed" -> "payments.attempts.failed";
      case "RetryScheduled" -> "payments.retries";
      case "CallRejected" -> "payments.calls.rejected";
      case "TimeoutExceeded" -> "payments.timeouts";
      case "HedgeStarted" -> "payments.hedges.started";
      case "HedgeWon" -> "payments.hedges.won";
      case "FallbackApplied" -> "payments.fallbacks";
      default -> "payments.other";
    };
  }

  private static void status(String service, FaultEvent event, ConsoleReporter reporter) {
    if (event instanceof PolicyEvent.CircuitStateChanged changed) {
      if (changed.to() == CircuitState.CLOSED) {
        reporter.status(service + "-1", "UP", null);
      } else {
        reporter.status(service + "-1", "DEGRADED", "breaker " + changed.to() + ": answering from the fallback");
      }
    } else if (event instanceof ComponentEvent.ComponentFailed failed) {
      String instance = instanceOf(service, failed.source());
      if (instance != null) {
        String cause = failed.cause() == null ? "failed" : failed.cause();
        reporter.status(instance, "DOWN", cause.length() > 200 ? cause.substring(0, 200) + "…" : cause);
      }
    } else if (event instanceof ComponentEvent.ComponentRecovered || event instanceof ComponentEvent.ComponentStarted) {
      String instance = instanceOf(service, event.source());
      if (instance != null) {
        reporter.status(instance, "UP", null);
      }
    }
  }

  private static String instanceOf(String service, String component) {
    if (service.equals("ledger")) {
      return component.equals("ledger-a") || component.equals("ledger-b") ? component : null;
    }
    return component.equals(service) ? service + "-1" : null;
  }

  private void sendPaymentCounts(ConsoleReporter payments) {
    if (closed || payments == null) {
      return;
    }
    for (Map.Entry<String, LongAdder> count : paymentCounts.entrySet()) {
      payments.metric(count.getKey(), count.getValue().sumThenReset(), Map.of());
    }
    payments.metric("payments.calls", system.payments().calls(), Map.of());
    Scheduler.system().schedule(() -> sendPaymentCounts(payments), BEAT.toNanos());
  }

  /** The console's address. */
  public URI baseUri() {
    return server.baseUri();
  }

  /** The one-time setup token, when this start created the admin (a fresh data directory). */
  public Optional<String> setupToken() {
    return Optional.ofNullable(setupToken);
  }

  /** The address to open: with the setup token in its fragment (never sent to a server) on a first start. */
  public URI loginUri() {
    return URI.create(baseUri() + (setupToken == null ? "/#/login" : "/#/setup/" + setupToken));
  }

  /** The shop. */
  public DemoSystem system() {
    return system;
  }

  /** The clock of the demo. */
  public Clock clock() {
    return clock;
  }

  /** Stops the shop, sends what the reporters still hold (briefly), and stops the console. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (system != null) {
      system.close();
    }
    closeQuietly();
  }

  private void closeQuietly() {
    for (AutoCloseable reporter : reporters) {
      try {
        reporter.close();
      } catch (Exception e) {
        // best effort at shutdown: what could not be sent is counted by the reporter
      }
    }
    server.close();
  }
}
