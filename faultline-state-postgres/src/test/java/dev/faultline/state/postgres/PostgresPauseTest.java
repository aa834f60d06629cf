package dev.faultline.state.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Clock;
import dev.faultline.state.workflow.WorkflowException;
import dev.faultline.state.workflow.spi.StoreListener;
import dev.faultline.state.workflow.spi.StoredWorkflow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A node paused longer than its lease (GC, SIGSTOP) whose workflows another node took over meanwhile: once it runs
 * again, its heartbeat renews its lease, but that must not make it vouch for the workflows it lost.
 */
class PostgresPauseTest {
  private final DataSource db = TestDatabase.dataSource();
  private final String schema = TestDatabase.freshSchema("pause");

  /** The system clock, whose sleeps (the heartbeat loop's) stop while the node is paused. */
  private static final class PausingClock implements Clock {
    volatile CountDownLatch paused = new CountDownLatch(0);
    final CountDownLatch stopped = new CountDownLatch(1);
    /** Counted down at every sleep of the heartbeat loop: between two of them, a pass ran whole. */
    volatile CountDownLatch sleeps = new CountDownLatch(0);

    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public long wallMillis() {
      return System.currentTimeMillis();
    }

    @Override
    public void sleep(long nanos) throws InterruptedException {
      sleeps.countDown();
      CountDownLatch gate = paused;
      if (gate.getCount() > 0) {
        stopped.countDown();
        gate.await();
      }
      TimeUnit.NANOSECONDS.sleep(nanos);
    }
  }

  private static final StoreListener NOBODY = new StoreListener() {
    @Override
    public void claimed(StoredWorkflow workflow, String previousOwner) {}

    @Override
    public void changed(StoredWorkflow workflow) {}
  };

  private PostgresWorkflowStore store(String node, Clock clock) {
    return PostgresWorkflowStore.builder(db).schema(schema).nodeId(node).leaseTime(Duration.ofMillis(900))
        .heartbeatInterval(Duration.ofMillis(300)).clock(clock).build();
  }

  private String owner(String id) throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement p = c.prepareStatement("SELECT owner FROM " + schema + ".workflows WHERE workflow_id = ?")) {
      p.setString(1, id);
      try (ResultSet rs = p.executeQuery()) {
        assertTrue(rs.next());
        return rs.getString(1);
      }
    }
  }

  @Test
  void aNodeThatWasPausedLongerThanItsLeaseDoesNotVouchForWhatWasTakenOverOnceItsHeartbeatRenewsTheLease()
      throws Exception {
    PausingClock clockA = new PausingClock();
    try (PostgresWorkflowStore a = store("a", clockA)) {
      a.open(NOBODY, true);
      StoredWorkflow w = a.create("w1", "w", "q", null);
      a.ensureOwned(w); // its own, and its lease is fresh

      CountDownLatch pause = new CountDownLatch(1);
      clockA.paused = pause; // node a's heartbeat loop stops at its next sleep
      assertTrue(clockA.stopped.await(20, TimeUnit.SECONDS));
      CountDownLatch takenOver = new CountDownLatch(1);
      StoreListener claimsOfB = new StoreListener() {
        @Override
        public void claimed(StoredWorkflow workflow, String previousOwner) {
          if (workflow.id().equals("w1") && "a".equals(previousOwner)) {
            takenOver.countDown();
          }
        }

        @Override
        public void changed(StoredWorkflow workflow) {}
      };
      try (PostgresWorkflowStore b = store("b", Clock.system())) {
        b.open(claimsOfB, true);
        // node a's lease runs out; node b's heartbeat takes w1 over
        assertTrue(takenOver.await(20, TimeUnit.SECONDS), "node b must take w1 over");
        assertEquals("b", owner("w1"));
        clockA.sleeps = new CountDownLatch(2);
        pause.countDown(); // node a runs again: its heartbeat renews its lease first
        assertTrue(clockA.sleeps.await(20, TimeUnit.SECONDS), "node a's heartbeat loop did not run a whole pass");
        // A step of node a's about to run its side effect: node a no longer owns w1.
        WorkflowException e = assertThrows(WorkflowException.class, () -> a.ensureOwned(w),
            "node a vouched for w1, which node b took over while node a was paused");
        assertEquals("workflow-fenced", e.code());
      }
    }
  }
}
