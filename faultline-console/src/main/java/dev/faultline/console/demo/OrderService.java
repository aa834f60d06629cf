package dev.faultline.console.demo;

import dev.faultline.core.event.FaultEventListener;
import dev.faultline.state.workflow.WorkflowContext;
import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowInfo;
import dev.faultline.state.workflow.WorkflowStatus;
import dev.faultline.supervisor.ChildContext;
import dev.faultline.supervisor.Component;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The demo's order service: durable {@code order} workflows (reserve stock, charge through the payment service, wait
 * for the warehouse on a durable timer, ship) on a {@link WorkflowExecutor} over one directory. It is a supervised
 * {@link Component}: {@link #crash()} kills the running incarnation half-way — its executor is closed while workflows
 * wait on their timers — and the supervisor starts a new one, whose executor resumes every unfinished workflow from
 * the journal without repeating a recorded step.
 *
 * <p>Thread-safe: the current incarnation is an atomic reference; the executor is thread-safe.
 */
public final class OrderService {
  /** The executor's name: the source of its workflow events. */
  public static final String EXECUTOR = "orders";
  private static final Duration WAREHOUSE = Duration.ofSeconds(2);

  private final Wiring wiring;
  private final Path directory;
  private final PaymentsService payments;
  private final AtomicReference<Incarnation> current = new AtomicReference<>();
  private final AtomicInteger nextOrder = new AtomicInteger(1);
  private final AtomicInteger turnedAway = new AtomicInteger();
  /** The workflows as the last incarnation left them, shown while none runs. */
  private final AtomicReference<List<WorkflowInfo>> lastKnown = new AtomicReference<>(List.of());

  /** The order service of {@code wiring}, keeping its workflows in {@code directory}, charging via {@code payments}. */
  public OrderService(Wiring wiring, Path directory, PaymentsService payments) {
    this.wiring = wiring;
    this.directory = directory;
    this.payments = payments;
  }

  /** A new incarnation, for the supervisor's child spec. */
  public Component newIncarnation() {
    return new Incarnation();
  }

  /**
   * Starts {@code count} new orders; while no incarnation runs (between a crash and its restart) turns them away,
   * counting them and saying so in the log, as a shop whose order service is down would answer its customers.
   */
  public void placeOrders(int count) {
    Incarnation running = current.get();
    WorkflowExecutor executor = running == null ? null : running.executor;
    if (executor == null) {
      turnedAway.addAndGet(count);
      wiring.log().warn(count + " orders turned away: the order service is restarting");
      return;
    }
    for (int i = 0; i < count; i++) {
      String id = "order-" + nextOrder.getAndIncrement();
      try {
        executor.start("order", id, id);
      } catch (RuntimeException e) {
        wiring.log().warn("could not start " + id + ": " + e.getMessage());
        return;
      }
    }
  }

  /** The orders turned away while the service was restarting. */
  public int turnedAway() {
    return turnedAway.get();
  }

  /** Kills the running incarnation half-way, as a crash would; its supervisor restarts it. */
  public void crash() {
    Incarnation running = current.get();
    if (running != null && running.context != null) {
      List<WorkflowInfo> open = running.executor.list(WorkflowStatus.RUNNING);
      wiring.log().error("order service killed with " + open.size() + " workflows half-way");
      OrderServiceKilledException killed = new OrderServiceKilledException("order service killed half-way with "
          + open.size() + " workflows running (injected fault)");
      wiring.reportIncident(killed, wiring.service());
      running.context.failed(killed);
    }
  }

  /** The executor of the running incarnation, or null between a crash and the restart. */
  public WorkflowExecutor executor() {
    Incarnation running = current.get();
    return running == null ? null : running.executor;
  }

  /**
   * The workflows of the running incarnation; while none runs (between a crash and the restart), as the last one
   * left them, so that the demo's figures do not drop to zero during each restart.
   */
  public List<WorkflowInfo> workflows() {
    Incarnation running = current.get();
    return running == null || running.executor == null ? lastKnown.get() : running.executor.list(null);
  }

  private String order(WorkflowContext ctx, String orderId) throws Exception {
    // Steps log only when they run: a replayed step returns its recorded result without running (or logging) again.
    String reservation = ctx.step("reserve", null, () -> {
      wiring.log().info(orderId + ": stock reserved (" + ctx.idempotencyKey() + ")");
      return "reservation of " + orderId;
    }, r -> wiring.log().info("released " + r));
    String payment = ctx.step("charge", null, () -> {
      String answer = payments.charge(orderId);
      wiring.log().info(orderId + ": charged, payment service answered '" + answer + "'");
      return answer;
    });
    ctx.sleep(WAREHOUSE);
    return ctx.step("ship", null, () -> {
      wiring.log().info(orderId + ": shipped after the warehouse's " + WAREHOUSE.toSeconds() + " s");
      return "shipped " + orderId + " (" + reservation + ", payment " + payment + ")";
    });
  }

  /** One incarnation: an executor open on the directory, resuming what the previous one left. */
  private final class Incarnation implements Component {
    private volatile WorkflowExecutor executor;
    private volatile ChildContext context;

    @Override
    public void start(ChildContext context) {
      FaultEventListener events = wiring.events();
      this.executor = WorkflowExecutor.builder(directory).name(EXECUTOR)
          .register("order", OrderService.this::order)
          .threads(4).clock(wiring.clock()).scheduler(wiring.scheduler()).listener(events).open();
      this.context = context;
      current.set(this);
      wiring.log().info("order service started; unfinished workflows resume");
    }

    @Override
    public void stop() {
      WorkflowExecutor e = executor;
      if (e != null) {
        try {
          lastKnown.set(e.list(null));
        } catch (RuntimeException ignored) {
          // the previous snapshot stays: the figures only show fewer workflows for the restart's duration
        }
      }
      current.compareAndSet(this, null);
      if (e != null) {
        e.close();
      }
    }
  }

  /** The injected crash of the order service. */
  static final class OrderServiceKilledException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OrderServiceKilledException(String message) {
      super(message);
    }
  }
}
