package dev.faultline.state.postgres.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.state.postgres.SchemaMigrator;
import dev.faultline.state.postgres.TestDatabase;
import dev.faultline.supervisor.ChildContext;
import dev.faultline.supervisor.Component;
import dev.faultline.supervisor.failover.Fence;
import dev.faultline.supervisor.failover.LeaseGrant;
import dev.faultline.supervisor.failover.Replica;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The supervisor's lease as a PostgreSQL row: hand-over and epochs, expiry on the database clock, races between
 * processes' connections, and active-passive {@link Replica}s failing over through it with fencing.
 */
class PostgresLeaseTest {
  private final DataSource db = TestDatabase.dataSource();
  private final String schema = TestDatabase.freshSchema("lease");

  PostgresLeaseTest() {
    SchemaMigrator.migrate(db, schema);
  }

  /** Waits on the database's own clock, the one that decides expiry. */
  private void databaseWaits(Duration duration) throws Exception {
    try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
      s.execute("SELECT pg_sleep(" + duration.toMillis() / 1000.0 + ")");
    }
  }

  @Test
  void theLeaseChangesHandsWithARisingEpochAndRenewalKeepsIt() throws Exception {
    PostgresLease lease = new PostgresLease(db, schema, "primary");
    assertEquals(Optional.empty(), lease.current());
    LeaseGrant a = lease.tryAcquire("a", Duration.ofSeconds(30)).orElseThrow();
    assertEquals(1, a.epoch());
    assertEquals(Optional.empty(), lease.tryAcquire("b", Duration.ofSeconds(30)), "held by a");
    LeaseGrant renewed = lease.tryAcquire("a", Duration.ofSeconds(60)).orElseThrow();
    assertEquals(1, renewed.epoch(), "renewal keeps the epoch");
    assertTrue(renewed.expiresAtMillis() > a.expiresAtMillis());
    assertEquals(Optional.of(renewed), lease.current());
    lease.release(renewed);
    assertEquals(Optional.empty(), lease.current());
    LeaseGrant b = lease.tryAcquire("b", Duration.ofSeconds(30)).orElseThrow();
    assertEquals(2, b.epoch());
    lease.release(a);
    assertEquals(Optional.of(b), lease.current(), "a stale grant cannot release the new holder's lease");
  }

  /**
   * The time to live sent to the database is rounded up to whole milliseconds: a {@link Replica} counts the lease as
   * its own for the exact ttl from just before its request, so a database expiry rounded down (0 ms for a ttl under
   * 1 ms) could free the row for another replica while the holder still counts it valid: two holders.
   */
  @Test
  void theTimeToLiveSentIsRoundedUpToWholeMilliseconds() throws Exception {
    List<Long> sent = Collections.synchronizedList(new ArrayList<>());
    DataSource recording = (DataSource) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
          Object result = method.invoke(db, args);
          return method.getName().equals("getConnection") ? recordingConnection((Connection) result, sent) : result;
        });
    PostgresLease lease = new PostgresLease(recording, schema, "rounding");
    LeaseGrant a = lease.tryAcquire("a", Duration.ofMillis(30_000).plusNanos(1)).orElseThrow();
    lease.tryAcquire("a", Duration.ofNanos(500_000)).orElseThrow();
    lease.tryAcquire("a", Duration.ofMillis(20_000)).orElseThrow();
    assertEquals(List.of(30_001L, 1L, 20_000L), sent);
    assertEquals(1, a.epoch());
  }

  private static Connection recordingConnection(Connection c, List<Long> sent) {
    return (Connection) java.lang.reflect.Proxy.newProxyInstance(PostgresLeaseTest.class.getClassLoader(),
        new Class<?>[] {Connection.class}, (proxy, method, args) -> {
          Object result = method.invoke(c, args);
          if (!method.getName().equals("prepareStatement")) {
            return result;
          }
          java.sql.PreparedStatement p = (java.sql.PreparedStatement) result;
          return java.lang.reflect.Proxy.newProxyInstance(PostgresLeaseTest.class.getClassLoader(),
              new Class<?>[] {java.sql.PreparedStatement.class}, (proxy2, m, a) -> {
                if (m.getName().equals("setLong") && ((String) args[0]).startsWith("INSERT")
                    && (Integer) a[0] == 3) {
                  sent.add((Long) a[1]);
                }
                return m.invoke(p, a);
              });
        });
  }

  @Test
  void anExpiredLeaseIsTakenWithTheNextEpochOnTheDatabaseClock() throws Exception {
    PostgresLease lease = new PostgresLease(db, schema, "expiring");
    LeaseGrant a = lease.tryAcquire("a", Duration.ofMillis(200)).orElseThrow();
    databaseWaits(Duration.ofMillis(300));
    assertEquals(Optional.empty(), lease.current());
    LeaseGrant b = lease.tryAcquire("b", Duration.ofSeconds(30)).orElseThrow();
    assertEquals(a.epoch() + 1, b.epoch());
    assertEquals(Optional.empty(), lease.tryAcquire("a", Duration.ofSeconds(30)), "a lost it");
    LeaseGrant b2 = lease.tryAcquire("b", Duration.ofMillis(100)).orElseThrow();
    databaseWaits(Duration.ofMillis(200));
    assertEquals(b2.epoch() + 1, lease.tryAcquire("b", Duration.ofSeconds(30)).orElseThrow().epoch(),
        "a holder that let its lease expire comes back with a new epoch, as with FileLease");
  }

  @Test
  void ofManyRacingAcquirersExactlyOneWins() throws Exception {
    PostgresLease lease = new PostgresLease(db, schema, "raced");
    int threads = 8;
    CyclicBarrier barrier = new CyclicBarrier(threads);
    List<LeaseGrant> won = Collections.synchronizedList(new ArrayList<>());
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    List<Thread> all = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      String owner = "n" + i;
      Thread t = new Thread(() -> {
        try {
          barrier.await();
          lease.tryAcquire(owner, Duration.ofSeconds(30)).ifPresent(won::add);
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      all.add(t);
      t.start();
    }
    for (Thread t : all) {
      t.join();
    }
    assertEquals(List.of(), errors);
    assertEquals(1, won.size(), won.toString());
    assertEquals(1, won.get(0).epoch());
  }

  @Test
  void aGrantIsCommittedEvenWhenThePoolHandsOutConnectionsWithoutAutoCommit() throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(TestDatabase.jdbcUrl());
    config.setUsername("postgres");
    config.setMaximumPoolSize(2);
    config.setAutoCommit(false);  // a common pool setting; returning a connection then rolls its transaction back
    try (HikariDataSource manual = new HikariDataSource(config)) {
      PostgresLease onManual = new PostgresLease(manual, schema, "manual");
      LeaseGrant a = onManual.tryAcquire("a", Duration.ofSeconds(30)).orElseThrow();
      PostgresLease lease = new PostgresLease(db, schema, "manual");
      assertEquals(Optional.of(a.epoch()), lease.current().map(LeaseGrant::epoch), "a's grant is in the table");
      assertEquals(Optional.empty(), lease.tryAcquire("b", Duration.ofSeconds(30)), "a holds the lease, not b too");
      onManual.release(a);
      assertEquals(Optional.empty(), lease.current(), "a's release is committed too");
    }
  }

  /** A scheduler whose tasks are held while its "process" is stopped, and run when it continues. */
  static final class StoppableScheduler implements Scheduler {
    private final Scheduler delegate = Scheduler.system();
    private final List<Runnable> held = new ArrayList<>();
    private boolean stopped;

    @Override
    public synchronized Task schedule(Runnable task, long delayNanos) {
      return delegate.schedule(() -> {
        synchronized (this) {
          if (stopped) {
            held.add(task);
            return;
          }
        }
        task.run();
      }, delayNanos);
    }

    synchronized void stop() {
      stopped = true;
    }

    void resume() {
      List<Runnable> due;
      synchronized (this) {
        stopped = false;
        due = new ArrayList<>(held);
        held.clear();
      }
      due.forEach(Runnable::run);
    }
  }

  /** The replicated service: stamps its writes with its epoch, which a fence checks. */
  static final class Service implements Component {
    final long epoch;
    final CountDownLatch started;

    Service(long epoch, CountDownLatch started) {
      this.epoch = epoch;
      this.started = started;
    }

    @Override
    public void start(ChildContext ctx) {
      started.countDown();
    }

    @Override
    public void stop() {}
  }

  @Test
  void aStandbyTakesOverFromAStoppedLeaderWhichIsFencedWhenItWakes() throws Exception {
    PostgresLease lease = new PostgresLease(db, schema, "service");
    Duration ttl = Duration.ofSeconds(1);
    EventRecorder events = new EventRecorder();
    List<Service> services = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch aActive = new CountDownLatch(1);
    CountDownLatch bActive = new CountDownLatch(1);
    StoppableScheduler aScheduler = new StoppableScheduler();
    Replica a = Replica.builder("svc", "a").lease(lease).ttl(ttl).renewEvery(Duration.ofMillis(100))
        .clock(Clock.system()).scheduler(aScheduler).listener(events).component(epoch -> {
          Service s = new Service(epoch, aActive);
          services.add(s);
          return s;
        }).build();
    Replica b = Replica.builder("svc", "b").lease(lease).ttl(ttl).renewEvery(Duration.ofMillis(100))
        .clock(Clock.system()).scheduler(Scheduler.system()).listener(events).component(epoch -> {
          Service s = new Service(epoch, bActive);
          services.add(s);
          return s;
        }).build();
    try {
      a.start();
      assertTrue(aActive.await(10, TimeUnit.SECONDS));
      b.start();
      long aEpoch = a.epoch();
      assertTrue(aEpoch > 0);
      assertEquals(0, b.epoch(), "b is a standby while a renews");

      aScheduler.stop();  // a stops renewing, as a process stopped by SIGSTOP or a long GC pause
      assertTrue(bActive.await(10, TimeUnit.SECONDS), "b took over after a's lease expired");
      long bEpoch = b.epoch();
      assertEquals(aEpoch + 1, bEpoch);
      Fence fence = new Fence();
      assertTrue(fence.admit(bEpoch));
      assertFalse(fence.admit(aEpoch), "the former leader's token is fenced off");
      assertFalse(a.isLeaseValid(), "a's own clock says its lease is over");

      aScheduler.resume();  // a wakes: its renewal finds b holding the lease, so it steps down
      a.tick();
      assertEquals(0, a.epoch());
      assertEquals(Optional.of(bEpoch), lease.current().map(LeaseGrant::epoch));
      assertTrue(events.events(ComponentEvent.class).size() >= 2, events.events().toString());
    } finally {
      a.close();
      b.close();
    }
  }
}
