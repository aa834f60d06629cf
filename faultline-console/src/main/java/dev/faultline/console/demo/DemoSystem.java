package dev.faultline.console.demo;

import dev.faultline.core.Clock;
import dev.faultline.supervisor.ChildSpec;
import dev.faultline.supervisor.RestartBackoff;
import dev.faultline.supervisor.RestartStrategy;
import dev.faultline.supervisor.Supervisor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The demo shop: services that exercise every verb of Faultline with injected faults, on a script that repeats every
 * cycle (20 s by default), each reporting under its own name:
 *
 * <table>
 *   <caption>Services and their faults</caption>
 *   <tr><th>service</th><th>what it runs</th><th>fault, at its offset in the cycle</th></tr>
 *   <tr><td>{@code payments}</td><td>callers behind retry, circuit breaker, timeout, hedge and fallback</td>
 *       <td>the downstream's error burst (from 1 s) and outage (4 s to 7 s), then recovery; latency spikes late in
 *       the cycle</td></tr>
 *   <tr><td>{@code fulfilment}</td><td>a worker under a {@link Supervisor}</td>
 *       <td>a malformed job crashes it (2.5 s); the supervisor restarts it</td></tr>
 *   <tr><td>{@code orders}</td><td>durable order workflows, itself supervised</td>
 *       <td>killed half-way (5 s) while workflows wait on their timers; the new incarnation resumes them</td></tr>
 *   <tr><td>{@code inventory}</td><td>stock in recoverable state, checkpointed after every batch</td>
 *       <td>a faulty batch (7 s) breaks the invariant; the state is rolled back to the last good checkpoint</td></tr>
 *   <tr><td>{@code ledger}</td><td>two replicas behind a file lease</td>
 *       <td>the active replica fails (9 s); the standby takes over</td></tr>
 * </table>
 *
 * Every failure is also reported as an incident with the log lines that led to it. {@link #faultTree()} is the MEF
 * fault tree of the shop, whose basic events are named after the components above.
 *
 * <p>Thread-safe. The script runs on one daemon thread owned by this object; services guard their own state.
 */
public final class DemoSystem implements AutoCloseable {
  /** The basic events of {@link #faultTree()}: the components whose failures the tree is evaluated against. */
  public static final List<String> SERVICES = List.of("payments", "fulfilment", "orders", "inventory", "ledger");

  private final Clock clock;
  private final Duration cycle;
  private final PaymentsService payments;
  private final Fulfilment fulfilment;
  private final Supervisor fulfilmentSupervisor;
  private final OrderService orders;
  private final Supervisor orderSupervisor;
  private final InventoryService inventory;
  private final LedgerService ledger;
  private final List<Step> script = new ArrayList<>();
  private final Thread scriptThread;
  private volatile boolean closed;

  /** One scripted action at an offset into the cycle. */
  private record Step(long offsetNanos, String what, Runnable action) {}

  /**
   * Builds the shop in {@code directory} (its workflows, inventory and lease live there), each service wired by
   * {@code wiring} (given the service's name); its script repeats every {@code cycle} (at least 15 s).
   */
  public DemoSystem(Path directory, Clock clock, Duration cycle, long seed, Function<String, Wiring> wiring)
      throws IOException {
    if (cycle.compareTo(Duration.ofSeconds(15)) < 0) {
      throw new IllegalArgumentException("the demo's cycle must be at least 15s, but was " + cycle);
    }
    this.clock = clock;
    this.cycle = cycle;
    Files.createDirectories(directory);
    RestartBackoff backoff = RestartBackoff.exponential(Duration.ofMillis(300), Duration.ofSeconds(3), 2.0, 0.2,
        Duration.ofSeconds(30));

    this.payments = new PaymentsService(wiring.apply("payments"), 3, cycle, seed);

    Wiring fulfilmentWiring = wiring.apply("fulfilment");
    this.fulfilment = new Fulfilment(fulfilmentWiring);
    this.fulfilmentSupervisor = Supervisor.builder("fulfilment-supervisor").strategy(RestartStrategy.ONE_FOR_ONE)
        .intensity(20, Duration.ofMinutes(1)).backoff(backoff).clock(clock).scheduler(fulfilmentWiring.scheduler())
        .listener(fulfilmentWiring.events()).child(ChildSpec.of("fulfilment", fulfilment::newWorker)).build();

    Wiring orderWiring = wiring.apply("orders");
    this.orders = new OrderService(orderWiring, directory.resolve("orders"), payments);
    this.orderSupervisor = Supervisor.builder("orders-supervisor").strategy(RestartStrategy.ONE_FOR_ONE)
        .intensity(20, Duration.ofMinutes(1)).backoff(backoff).clock(clock).scheduler(orderWiring.scheduler())
        .listener(orderWiring.events()).child(ChildSpec.of("orders", orders::newIncarnation)).build();

    this.inventory = new InventoryService(wiring.apply("inventory"), directory.resolve("inventory"));
    this.ledger = new LedgerService(wiring.apply("ledger"), directory.resolve("ledger.lease"));

    at(Duration.ofMillis(1000), "place orders", () -> orders.placeOrders(3));
    at(Duration.ofMillis(2500), "crash the fulfilment worker with a malformed job", fulfilment::injectPoisonJob);
    at(Duration.ofMillis(3000), "import a stock batch", () -> inventory.importBatch(false));
    at(Duration.ofMillis(3500), "place orders", () -> orders.placeOrders(3));
    at(Duration.ofMillis(5000), "kill the order service half-way", orders::crash);
    at(Duration.ofMillis(7000), "import a faulty stock batch", () -> inventory.importBatch(true));
    at(Duration.ofMillis(8000), "place orders", () -> orders.placeOrders(3));
    at(Duration.ofMillis(9000), "fail the active ledger replica", ledger::failActive);
    at(Duration.ofMillis(12_000), "import a stock batch", () -> inventory.importBatch(false));
    at(Duration.ofMillis(14_000), "place orders", () -> orders.placeOrders(3));
    script.sort(Comparator.comparingLong(Step::offsetNanos));
    this.scriptThread = new Thread(this::runScript, "faultline-demo-script");
    this.scriptThread.setDaemon(true);
  }

  private void at(Duration offset, String what, Runnable action) {
    script.add(new Step(offset.toNanos(), what, action));
  }

  /** Starts every service and the script. */
  public void start() {
    payments.start();
    fulfilmentSupervisor.start();
    orderSupervisor.start();
    ledger.start();
    scriptThread.start();
  }

  private void runScript() {
    long start = clock.nanoTime();
    try {
      for (long round = 0; !closed; round++) {
        for (Step step : script) {
          long due = start + round * cycle.toNanos() + step.offsetNanos();
          long wait = due - clock.nanoTime();
          if (wait > 0) {
            clock.sleep(wait);
          }
          if (closed) {
            return;
          }
          try {
            step.action().run();
          } catch (RuntimeException e) {
            // A scripted fault that could not be injected is logged; the demo goes on with the next one.
            System.getLogger(DemoSystem.class.getName()).log(System.Logger.Level.WARNING,
                "demo step '" + step.what() + "' failed: " + e);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The shop's fault tree, in Open-PSA MEF. */
  public static String faultTree() {
    try (InputStream in = DemoSystem.class.getResourceAsStream("demo-system.xml")) {
      if (in == null) {
        throw new IllegalStateException("demo-system.xml is missing from the faultline jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The payment service. */
  public PaymentsService payments() {
    return payments;
  }

  /** The order service. */
  public OrderService orders() {
    return orders;
  }

  /** The inventory. */
  public InventoryService inventory() {
    return inventory;
  }

  /** One line on what the shop did so far. */
  public String summary() {
    int turnedAway = orders.turnedAway();
    return String.format(Locale.ROOT, "%d payments (%d answered pending by the fallback, breaker %s), %d fulfilment"
            + " crashes restarted, %d workflows%s, %d inventory rollbacks, %d ledger failovers (active: %s)",
        payments.calls(), payments.pending(), payments.breaker().metrics().state(), fulfilment.crashes(),
        orders.workflows().size(), turnedAway == 0 ? "" : " (" + turnedAway + " orders turned away while restarting)",
        inventory.rollbacks(), ledger.failovers(), ledger.activeOwner());
  }

  /** Stops the script and every service, the supervised ones through their supervisors. */
  @Override
  public void close() {
    closed = true;
    scriptThread.interrupt();
    try {
      scriptThread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    payments.close();
    fulfilmentSupervisor.stop();
    orderSupervisor.stop();
    ledger.close();
    inventory.close();
  }
}
