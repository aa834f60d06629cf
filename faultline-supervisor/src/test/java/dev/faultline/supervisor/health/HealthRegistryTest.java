package dev.faultline.supervisor.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.supervisor.ChildContext;
import dev.faultline.supervisor.ChildSpec;
import dev.faultline.supervisor.Component;
import dev.faultline.supervisor.Supervisor;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Thresholds, caching, timeouts, parallelism, startup gating, groups, restarts and built-ins, on a fake clock. */
class HealthRegistryTest {
  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();

  private HealthRegistry.Builder registry() {
    return HealthRegistry.builder("app").clock(clock).scheduler(clock).executor(Runnable::run).listener(events);
  }

  private static HealthCheck scripted(AtomicBoolean up, AtomicInteger runs) {
    return () -> {
      runs.incrementAndGet();
      return up.get() ? Health.up("ok") : Health.down("broken");
    };
  }

  @Test
  void thresholdsDecideWhenAStatusChanges() {
    AtomicBoolean up = new AtomicBoolean(false);
    AtomicInteger runs = new AtomicInteger();
    HealthRegistry health = registry().check(CheckSpec.builder("db", ProbeKind.READINESS, scripted(up, runs))
        .component("db").refresh(Duration.ofSeconds(10)).failureThreshold(3).successThreshold(2).build()).build();
    List<Status> seen = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      seen.add(health.refresh().join().check("db").status());
      clock.advance(Duration.ofSeconds(10));
    }
    up.set(true);
    for (int i = 0; i < 2; i++) {
      seen.add(health.refresh().join().check("db").status());
      clock.advance(Duration.ofSeconds(10));
    }
    assertEquals(List.of(Status.UNKNOWN, Status.UNKNOWN, Status.DOWN, Status.DOWN, Status.UP), seen);
    var changes = events.events(ComponentEvent.HealthChanged.class);
    assertEquals(List.of("UNKNOWN->DOWN", "DOWN->UP"), changes.stream().map(c -> c.from() + "->" + c.to())
        .collect(Collectors.toList()));
    assertEquals("db", changes.get(0).source());
    assertEquals("broken", changes.get(0).detail());
  }

  @Test
  void resultsAreCachedForTheRefreshInterval() {
    AtomicInteger runs = new AtomicInteger();
    HealthRegistry health = registry().check(CheckSpec.builder("db", ProbeKind.READINESS,
        scripted(new AtomicBoolean(true), runs)).refresh(Duration.ofSeconds(5)).build()).build();
    health.refresh().join();
    clock.advance(Duration.ofSeconds(4));
    health.refresh().join();
    health.report();
    assertEquals(1, runs.get());
    clock.advance(Duration.ofSeconds(1));
    assertEquals(Status.UP, health.refresh().join().status());
    assertEquals(2, runs.get());
    assertEquals(clock.instant(), health.report().check("db").checkedAt());
  }

  @Test
  void aCheckThatOutlivesItsTimeoutIsDownAndInterrupted() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      CountDownLatch started = new CountDownLatch(1);
      CountDownLatch interrupted = new CountDownLatch(1);
      HealthRegistry health = registry().executor(pool).check(CheckSpec.builder("slow", ProbeKind.LIVENESS, () -> {
        started.countDown();
        try {
          new CountDownLatch(1).await();
        } catch (InterruptedException e) {
          interrupted.countDown();
          throw e;
        }
        return Health.up("never");
      }).timeout(Duration.ofSeconds(2)).failureThreshold(1).build()).build();
      var report = health.refresh();
      started.await();
      assertFalse(report.isDone());
      clock.advance(Duration.ofSeconds(2));
      assertEquals(Status.DOWN, report.join().check("slow").status());
      assertEquals("timed out after PT2S", report.join().check("slow").detail());
      interrupted.await();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void checksRunInParallel() {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch both = new CountDownLatch(2);
      HealthCheck meet = () -> {
        both.countDown();
        // Run one after the other, the first would wait out this bound and report DOWN.
        return both.await(30, TimeUnit.SECONDS) ? Health.up("met") : Health.down("ran alone");
      };
      HealthRegistry health = registry().executor(pool)
          .check(CheckSpec.builder("a", ProbeKind.READINESS, meet).timeout(Duration.ofMinutes(5)).build())
          .check(CheckSpec.builder("b", ProbeKind.READINESS, meet).timeout(Duration.ofMinutes(5)).build()).build();
      HealthReport report = health.refresh().join();
      assertEquals(Status.UP, report.status(), report.checks().toString());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void livenessAndReadinessWaitForTheStartupCheck() {
    AtomicBoolean started = new AtomicBoolean(false);
    AtomicInteger startupRuns = new AtomicInteger();
    AtomicInteger liveRuns = new AtomicInteger();
    HealthRegistry health = registry()
        .check(CheckSpec.builder("warm", ProbeKind.STARTUP, scripted(started, startupRuns)).component("cache")
            .refresh(Duration.ofSeconds(1)).failureThreshold(30).build())
        .check(CheckSpec.builder("alive", ProbeKind.LIVENESS, scripted(new AtomicBoolean(true), liveRuns))
            .component("cache").refresh(Duration.ofSeconds(1)).build())
        .build();
    health.refresh().join();
    assertEquals(0, liveRuns.get());
    assertEquals(Status.UNKNOWN, health.report().status(ProbeKind.LIVENESS));
    started.set(true);
    clock.advance(Duration.ofSeconds(1));
    health.refresh().join();
    clock.advance(Duration.ofSeconds(1));
    health.refresh().join();
    assertEquals(1, liveRuns.get());
    assertEquals(2, startupRuns.get(), "an UP startup check is not run again");
    assertEquals(Status.UP, health.report().status());
  }

  @Test
  void groupsAggregate() {
    HealthRegistry health = registry()
        .check(CheckSpec.builder("db", ProbeKind.READINESS, () -> Health.up("ok")).group("core").build())
        .check(CheckSpec.builder("cache", ProbeKind.READINESS, () -> Health.down("cold")).failureThreshold(1)
            .group("optional").build())
        .check(CheckSpec.builder("queue", ProbeKind.LIVENESS, () -> Health.up("ok")).group("core").build())
        .build();
    HealthReport report = health.refresh().join();
    assertEquals(Status.UP, report.group("core"));
    assertEquals(Status.DOWN, report.group("optional"));
    assertEquals(Status.DOWN, report.status());
    assertEquals(Status.UP, report.status(ProbeKind.LIVENESS));
    assertEquals(Status.UP, report.status(ProbeKind.STARTUP), "no startup checks");
    assertThrows(IllegalArgumentException.class, () -> report.group("nope"));
  }

  @Test
  void aFailingLivenessCheckRestartsItsComponent() {
    AtomicInteger instances = new AtomicInteger();
    AtomicBoolean up = new AtomicBoolean(true);
    Supervisor sup = Supervisor.builder("root").clock(clock).scheduler(clock).listener(events)
        .child(ChildSpec.of("db", () -> {
          instances.incrementAndGet();
          return new Component() {
            @Override
            public void start(ChildContext context) {}

            @Override
            public void stop() {}
          };
        })).build();
    sup.start();
    HealthRegistry health = registry().supervisor(sup).interval(Duration.ofSeconds(1))
        .check(CheckSpec.builder("db-ping", ProbeKind.LIVENESS, scripted(up, new AtomicInteger())).component("db")
            .refresh(Duration.ofSeconds(1)).failureThreshold(2).restartOnFailure().build()).build();
    health.start();
    clock.advance(Duration.ofSeconds(3));
    up.set(false);
    clock.advance(Duration.ofSeconds(2));
    assertEquals(2, instances.get(), "restarted after two failures");
    List<String> lines = events.events().stream().map(e -> e.getClass().getSimpleName() + " " + e.source())
        .collect(Collectors.toList());
    assertEquals(List.of("ComponentStarted db", "ComponentStarted root", "HealthChanged db", "HealthChanged db",
        "ComponentFailed db", "ComponentRestarted db", "ComponentStarted db", "ComponentRecovered db"), lines);
    var failed = events.events(ComponentEvent.ComponentFailed.class).get(0);
    assertInstanceOf(HealthCheckFailedException.class, failed.failure());
    assertEquals("liveness check 'db-ping' is DOWN: broken", failed.failure().getMessage());
    clock.advance(Duration.ofSeconds(2));
    assertEquals(3, instances.get(), "still broken: restarted again after two more failures");
    health.close();
    assertThrows(IllegalStateException.class, health::start);
  }

  /**
   * A restarter that throws (an unknown component, a stopped supervisor) used to fail the whole refresh: the caller
   * of refresh() (a health endpoint) got the restarter's exception instead of the report, and the other checks'
   * results of that refresh were lost to it.
   */
  @Test
  void aRestarterThatThrowsDoesNotFailTheRefresh() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    HealthRegistry health = registry().restarter((component, why) -> {
      attempts.incrementAndGet();
      throw new IllegalStateException("supervisor 'root' is stopped");
    }).check(CheckSpec.builder("db-ping", ProbeKind.LIVENESS, () -> Health.down("broken")).component("db")
        .failureThreshold(1).restartOnFailure().build())
        .check(CheckSpec.builder("queue", ProbeKind.READINESS, () -> Health.up("ok")).build()).build();
    HealthReport report = health.refresh().get(10, TimeUnit.SECONDS);
    assertEquals(1, attempts.get(), "the restart was attempted");
    assertEquals(List.of(Status.DOWN, Status.UP),
        report.checks().stream().map(CheckResult::status).collect(Collectors.toList()));
    health.close();
  }

  /**
   * close() shuts the registry's own pool down; a refresh that comes after it (the periodic tick that checked
   * {@code closed} just before close() ran, or a health endpoint still being served) had every due check rejected by
   * that pool, counted the rejection as the check failing, reported healthy checks DOWN and restarted the components
   * of liveness checks that restart on failure.
   */
  @Test
  void aRefreshAfterCloseRunsNoCheckAndNeitherReportsDownNorRestarts() throws Exception {
    List<String> restarted = new java.util.ArrayList<>();
    HealthRegistry health = HealthRegistry.builder("app").clock(clock).scheduler(clock).listener(events)
        .restarter((component, why) -> restarted.add(component + ": " + why.getMessage()))
        .check(CheckSpec.builder("db-ping", ProbeKind.LIVENESS, () -> Health.up("ok")).component("db")
            .refresh(Duration.ofSeconds(1)).failureThreshold(1).restartOnFailure().build())
        .build(); // checks run on the registry's own pool, which close() shuts down
    assertEquals(Status.UP, health.refresh().get(10, TimeUnit.SECONDS).check("db-ping").status());
    clock.advance(Duration.ofSeconds(1)); // the result is due again
    health.close();
    HealthReport late = health.refresh().get(10, TimeUnit.SECONDS);
    assertEquals(Status.UP, late.check("db-ping").status(), late.check("db-ping").detail());
    assertEquals(List.of(), restarted);
    assertEquals(1, events.events(ComponentEvent.HealthChanged.class).size(), "only UNKNOWN -> UP");
  }

  @Test
  void builtIns(@TempDir Path dir) throws Exception {
    assertTrue(HealthChecks.diskSpace(dir, 0).check().up());
    Health full = HealthChecks.diskSpace(dir, Long.MAX_VALUE).check();
    assertFalse(full.up());
    assertTrue(full.detail().contains("bytes free at " + dir), full.detail());
    assertTrue(HealthChecks.heap(0.9, () -> new MemoryUsage(0, 800, 1000, 1000)).check().up());
    Health heap = HealthChecks.heap(0.9, () -> new MemoryUsage(0, 950, 1000, 1000)).check();
    assertFalse(heap.up());
    assertEquals("heap 95.0% used (950 of 1000 bytes; limit 90.0%)", heap.detail());
    assertTrue(HealthChecks.heap(1.0).check().up());
    assertEquals(Health.up("no deadlocked threads"), HealthChecks.deadlocks().check());
  }

  @Test
  void jdbcPingAsksTheConnectionAndClosesIt() throws Exception {
    AtomicBoolean valid = new AtomicBoolean(true);
    AtomicInteger closed = new AtomicInteger();
    List<Integer> timeouts = new java.util.ArrayList<>();
    java.sql.Connection connection = (java.sql.Connection) java.lang.reflect.Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {java.sql.Connection.class}, (proxy, method, args) -> {
          switch (method.getName()) {
            case "isValid":
              timeouts.add((Integer) args[0]);
              return valid.get();
            case "close":
              closed.incrementAndGet();
              return null;
            default:
              throw new UnsupportedOperationException(method.getName());
          }
        });
    javax.sql.DataSource dataSource = (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
          if (method.getName().equals("getConnection")) {
            return connection;
          }
          throw new UnsupportedOperationException(method.getName());
        });
    HealthCheck ping = HealthChecks.jdbc(dataSource, Duration.ofMillis(1500));
    assertEquals(Health.up("database answered"), ping.check());
    valid.set(false);
    assertEquals(Health.down("database did not answer within 2 s"), ping.check());
    assertEquals(List.of(2, 2), timeouts);
    assertEquals(2, closed.get());
  }

  @Test
  void httpPingWantsA2xx() throws Exception {
    try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50,
        java.net.InetAddress.getByName("127.0.0.1"))) {
      Thread responder = new Thread(() -> {
        for (String status : List.of("204 No Content", "503 Service Unavailable")) {
          try (java.net.Socket s = server.accept()) {
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                java.nio.charset.StandardCharsets.US_ASCII));
            String header;
            while ((header = in.readLine()) != null && !header.isEmpty()) {
              // read the request head
            }
            s.getOutputStream().write(("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          } catch (java.io.IOException e) {
            return;
          }
        }
      });
      responder.start();
      java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + server.getLocalPort() + "/health");
      HealthCheck ping = HealthChecks.http(uri, Duration.ofSeconds(30));
      assertEquals(Health.up("GET " + uri + " answered 204"), ping.check());
      assertEquals(Health.down("GET " + uri + " answered 503"), ping.check());
      responder.join();
    }
  }

  @Test
  void badSettingsAreRejectedNamingTheField() {
    HealthCheck ok = () -> Health.up("ok");
    assertEquals("successThreshold", assertThrows(ConfigurationException.class,
        () -> CheckSpec.builder("x", ProbeKind.LIVENESS, ok).successThreshold(2).build()).field());
    assertEquals("restartOnFailure", assertThrows(ConfigurationException.class,
        () -> CheckSpec.builder("x", ProbeKind.READINESS, ok).component("c").restartOnFailure().build()).field());
    assertEquals("timeout", assertThrows(ConfigurationException.class,
        () -> CheckSpec.builder("x", ProbeKind.READINESS, ok).timeout(Duration.ZERO).build()).field());
    assertEquals("restarter", assertThrows(ConfigurationException.class, () -> HealthRegistry.builder("h")
        .check(CheckSpec.builder("x", ProbeKind.LIVENESS, ok).component("c").restartOnFailure().build()).build())
        .field());
    assertEquals("maxUsedFraction", assertThrows(ConfigurationException.class, () -> HealthChecks.heap(1.5)).field());
  }
}
