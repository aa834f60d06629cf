package dev.faultline.console.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.supervisor.ChildSpec;
import dev.faultline.supervisor.RestartBackoff;
import dev.faultline.supervisor.Supervisor;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The order service's workflows, as the demo's summary counts them. */
class OrderServiceTest {
  @TempDir
  Path dir;

  private final DemoLog ordersLog = new DemoLog("orders", Clock.system(), 40);

  private Wiring wiring(String service) {
    return new Wiring(service, Clock.system(), Scheduler.system(), e -> { }, i -> { },
        service.equals("orders") ? ordersLog : new DemoLog(service, Clock.system(), 40));
  }

  @Test
  void theWorkflowsStayCountedWhileTheKilledServiceWaitsForItsRestart() throws Exception {
    try (PaymentsService payments = new PaymentsService(wiring("payments"), 1, Duration.ofSeconds(15), 42)) {
      OrderService orders = new OrderService(wiring("orders"), dir.resolve("orders"), payments);
      // A restart long after the crash, as the demo's backoff reaches (up to 3 s) when the service is killed every cycle.
      Supervisor supervisor = Supervisor.builder("orders-supervisor")
          .backoff(RestartBackoff.exponential(Duration.ofSeconds(30), Duration.ofSeconds(30), 2.0, 0.0,
              Duration.ofSeconds(30)))
          .child(ChildSpec.of("orders", orders::newIncarnation)).build();
      supervisor.start();
      try {
        orders.placeOrders(3);
        assertEquals(3, orders.workflows().size());
        orders.crash();
        assertEquals(3, orders.workflows().size(), "the summary's workflows between the crash and the restart");
        // Orders placed while the service waits for its restart are turned away, and the log says so.
        orders.placeOrders(3);
        assertEquals(3, orders.workflows().size());
        assertEquals(3, orders.turnedAway());
        String last = ordersLog.lines().get(ordersLog.lines().size() - 1);
        assertTrue(last.contains("3 orders turned away: the order service is restarting"), last);
      } finally {
        supervisor.stop();
      }
    }
  }
}
