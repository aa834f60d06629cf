package dev.faultline.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.FaultlineException;
import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.registry.Registry.EvictionCause;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The registry: one instance per key, bounded, evicted least recently used first or on expiry, safe under threads. */
class RegistryTest {
  private final FakeClock clock = new FakeClock();
  private final AtomicInteger created = new AtomicInteger();
  private final List<String> evictions = Collections.synchronizedList(new ArrayList<>());
  private final ExecutorService pool = Executors.newFixedThreadPool(6);

  @AfterEach
  void shutDown() throws InterruptedException {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
  }

  /** Instances are fresh objects named after their key and creation number. */
  private Registry.Builder<String, String> builder() {
    Function<String, String> factory = key -> new String(key + "#" + created.incrementAndGet());
    return Registry.builder(factory).clock(clock)
        .evictionListener((key, instance, cause) -> evictions.add(key + ":" + cause));
  }

  @Test
  void makesOneInstancePerKeyOnFirstUse() {
    Registry<String, CircuitBreaker> breakers = Registry.builder((String host) -> CircuitBreaker.builder(host)
        .clock(clock).build()).build();
    CircuitBreaker first = breakers.get("db.internal");
    assertSame(first, breakers.get("db.internal"));
    assertEquals("db.internal", first.name());
    assertNotSame(first, breakers.get("cache.internal"));
    assertEquals(2, breakers.size());
    assertEquals(Optional.of(first), breakers.getIfPresent("db.internal"));
    assertEquals(Optional.empty(), breakers.getIfPresent("unknown"));
    assertEquals(2, breakers.size(), "getIfPresent makes nothing");
  }

  @Test
  void staysBoundedUnderManyKeys() {
    Registry<String, String> registry = builder().maximumSize(100).build();
    for (int i = 0; i < 10_000; i++) {
      registry.get("key-" + i);
      assertTrue(registry.size() <= 100);
    }
    assertEquals(100, registry.size());
    assertEquals(9_900, evictions.size());
    assertTrue(evictions.stream().allMatch(e -> e.endsWith(":SIZE")));
    assertEquals("key-9900", registry.keys().iterator().next(), "the 100 most recent keys are kept");
  }

  @Test
  void evictsTheLeastRecentlyUsedFirst() {
    Registry<String, String> registry = builder().maximumSize(3).build();
    registry.get("a");
    registry.get("b");
    registry.get("c");
    registry.get("a");
    registry.get("d");
    assertEquals(List.of("b:SIZE"), evictions, "a was used after b");
    assertEquals(List.of("c", "a", "d"), new ArrayList<>(registry.keys()), "least recently used first");
    registry.getIfPresent("c");
    registry.get("e");
    assertEquals(List.of("b:SIZE", "a:SIZE"), evictions, "getIfPresent counts as a use");
    assertEquals("b#6", registry.get("b"), "an evicted key gets a new instance");
  }

  @Test
  void expiresAfterAccessOnTheClock() {
    Registry<String, String> registry = builder().expireAfterAccess(Duration.ofSeconds(10)).build();
    String a = registry.get("a");
    clock.advance(Duration.ofSeconds(5));
    registry.get("b");
    clock.advance(Duration.ofSeconds(4));
    assertSame(a, registry.get("a"), "9s after its last use, a is still there");
    clock.advance(Duration.ofSeconds(7));
    assertEquals(1, registry.size(), "b was last used 11s ago, a 7s ago");
    assertEquals(List.of("b:EXPIRED"), evictions);
    clock.advance(Duration.ofSeconds(3));
    registry.cleanUp();
    assertEquals(List.of("b:EXPIRED", "a:EXPIRED"), evictions);
    assertEquals(0, registry.size());
    assertEquals("a#3", registry.get("a"), "an expired key gets a new instance");
  }

  @Test
  void removeForgetsWithoutCallingTheListener() {
    Registry<String, String> registry = builder().build();
    String a = registry.get("a");
    assertEquals(Optional.of(a), registry.remove("a"));
    assertEquals(Optional.empty(), registry.remove("a"));
    assertEquals(List.of(), evictions);
    assertEquals("a#2", registry.get("a"));
  }

  @Test
  void aFailingFactoryLeavesNothingAndTheNextGetTriesAgain() {
    AtomicInteger calls = new AtomicInteger();
    Registry<String, String> registry = Registry.builder((String key) -> {
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("downstream config missing");
      }
      return key;
    }).build();
    assertEquals("downstream config missing", assertThrows(IllegalStateException.class, () -> registry.get("a"))
        .getMessage());
    assertEquals(0, registry.size());
    assertEquals("a", registry.get("a"));
  }

  @Test
  void aFactoryThatReturnsNullFailsNamingTheKey() {
    Registry<String, String> registry = Registry.builder((String key) -> (String) null).build();
    assertEquals("the registry factory returned null for key a",
        assertThrows(NullPointerException.class, () -> registry.get("a")).getMessage());
    assertEquals(0, registry.size());
  }

  @Test
  void aFactoryThatAsksForItsOwnKeyFails() {
    AtomicInteger depth = new AtomicInteger();
    AtomicReference<Registry<String, String>> self = new AtomicReference<>();
    self.set(Registry.builder((String key) -> {
      depth.incrementAndGet();
      return self.get().get(key);
    }).build());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> self.get().get("a"));
    assertEquals("the registry factory asked for the instance of key a while making it", e.getMessage());
    assertEquals(1, depth.get());
    assertEquals(0, self.get().size());
  }

  @Test
  @Timeout(120)
  void concurrentGetsOfOneKeyShareOneInstance() throws Exception {
    for (int round = 0; round < 20; round++) {
      AtomicInteger made = new AtomicInteger();
      List<Thread> callers = new ArrayList<>();
      Registry<String, Object> registry = Registry.builder((String key) -> {
        made.incrementAndGet();
        List<Thread> others = new ArrayList<>(callers);
        others.remove(Thread.currentThread());
        awaitWaiting(others);
        return new Object();
      }).build();
      Object[] instances = new Object[6];
      for (int t = 0; t < 6; t++) {
        int index = t;
        callers.add(new Thread(() -> instances[index] = registry.get("shared")));
      }
      callers.forEach(Thread::start);
      for (Thread caller : callers) {
        caller.join();
      }
      assertEquals(1, made.get(), "round " + round + ": the factory ran once, while 5 callers waited for it");
      for (Object instance : instances) {
        assertSame(instances[0], instance, "round " + round + ": every caller got the same instance");
      }
    }
  }

  @Test
  @Timeout(60)
  void waitersOfAFailedCreationGetAnErrorNamingTheKey() throws Exception {
    List<Thread> waiters = new ArrayList<>();
    Registry<String, String> registry = Registry.<String, String>builder((String key) -> {
      awaitWaiting(waiters);
      throw new IllegalStateException("no config for " + key);
    }).build();
    AtomicReference<Throwable> creatorFailure = new AtomicReference<>();
    AtomicReference<Throwable> waiterFailure = new AtomicReference<>();
    Thread creator = new Thread(() -> {
      try {
        registry.get("a");
      } catch (Throwable t) {
        creatorFailure.set(t);
      }
    });
    Thread waiter = new Thread(() -> {
      try {
        registry.get("a");
      } catch (Throwable t) {
        waiterFailure.set(t);
      }
    });
    waiters.add(waiter);
    creator.start();
    awaitUntil(() -> registry.size() == 1);
    waiter.start();
    creator.join();
    waiter.join();
    assertEquals("no config for a", creatorFailure.get().getMessage());
    FaultlineException failure = assertInstanceOf(FaultlineException.class, waiterFailure.get());
    assertEquals("registry-create-failed", failure.code());
    assertEquals("making the instance of key a failed", failure.getMessage());
    assertSame(creatorFailure.get(), failure.getCause());
    assertEquals(0, registry.size(), "a failed creation leaves nothing");
  }

  @Test
  @Timeout(60)
  void aSlowFactoryDoesNotBlockOtherKeysAndIsNeverEvictedWhileRunning() throws Exception {
    CountDownLatch slowEntered = new CountDownLatch(1);
    CountDownLatch releaseSlow = new CountDownLatch(1);
    Registry<String, String> registry = Registry.builder((String key) -> {
      if (key.equals("slow")) {
        slowEntered.countDown();
        awaitUninterruptibly(releaseSlow);
      }
      return key.toUpperCase();
    }).maximumSize(1).evictionListener((key, instance, cause) -> evictions.add(key + ":" + cause)).build();
    Future<String> slow = pool.submit(() -> registry.get("slow"));
    assertTrue(slowEntered.await(60, TimeUnit.SECONDS));
    assertEquals("FAST", registry.get("fast"), "made while the slow factory runs");
    assertEquals(2, registry.size(), "one over the bound: the instance being made is not evicted");
    assertEquals("OTHER", registry.get("other"));
    assertEquals(List.of("slow", "other"), new ArrayList<>(registry.keys()));
    assertEquals(List.of("fast:SIZE"), evictions);
    releaseSlow.countDown();
    assertEquals("SLOW", slow.get(60, TimeUnit.SECONDS), "its caller gets the instance");
    assertEquals(List.of("slow"), new ArrayList<>(registry.keys()),
        "once made, the overflow is evicted; a newly made instance counts as just used");
    assertEquals(List.of("fast:SIZE", "other:SIZE"), evictions);
    assertEquals("NEXT", registry.get("next"));
    assertEquals(List.of("next"), new ArrayList<>(registry.keys()));
  }

  @Test
  void staysBoundedAndConsistentUnderConcurrentUse() throws Exception {
    Set<Object> live = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    AtomicInteger made = new AtomicInteger();
    AtomicInteger evicted = new AtomicInteger();
    AtomicInteger unknownEvictions = new AtomicInteger();
    Registry<Integer, String> registry = Registry.builder((Integer key) -> {
      made.incrementAndGet();
      String instance = new String("i" + key);
      live.add(instance);
      return instance;
    }).maximumSize(50).evictionListener((key, instance, cause) -> {
      evicted.incrementAndGet();
      if (!live.remove(instance) || !instance.equals("i" + key) || cause != EvictionCause.SIZE) {
        unknownEvictions.incrementAndGet();
      }
    }).build();
    CyclicBarrier start = new CyclicBarrier(4);
    List<Future<Void>> futures = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      futures.add(pool.submit(() -> {
        start.await();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 20_000; i++) {
          int key = random.nextInt(200);
          assertEquals("i" + key, registry.get(key));
          assertTrue(registry.size() <= 50 + 4, "bounded, give or take one per running factory");
        }
        return null;
      }));
    }
    for (Future<Void> future : futures) {
      future.get(60, TimeUnit.SECONDS);
    }
    assertEquals(0, unknownEvictions.get(), "each instance is evicted once, under its own key");
    assertEquals(50, registry.size());
    assertEquals(made.get() - evicted.get(), registry.size(), "every instance made is held or was evicted once");
    assertEquals(50, live.size());
  }

  @Test
  void configurationRulesNameFieldRuleAndValue() {
    ConfigurationException size = assertThrows(ConfigurationException.class,
        () -> Registry.builder((String k) -> k).maximumSize(0).build());
    assertEquals("maximumSize must be at least 1, but was 0", size.getMessage());
    ConfigurationException expiry = assertThrows(ConfigurationException.class,
        () -> Registry.builder((String k) -> k).expireAfterAccess(Duration.ZERO).build());
    assertEquals("expireAfterAccess must be a positive duration, but was PT0S", expiry.getMessage());
    ConfigurationException huge = assertThrows(ConfigurationException.class,
        () -> Registry.builder((String k) -> k).expireAfterAccess(Duration.ofSeconds(Long.MAX_VALUE)).build());
    assertEquals("expireAfterAccess", huge.field());
    ConfigurationException factory = assertThrows(ConfigurationException.class,
        () -> Registry.<String, String>builder(null).build());
    assertEquals("factory must not be null, but was null", factory.getMessage());
    ConfigurationException clockRule = assertThrows(ConfigurationException.class,
        () -> Registry.builder((String k) -> k).clock(null).build());
    assertEquals("clock", clockRule.field());
    assertThrows(NullPointerException.class, () -> Registry.builder((String k) -> k).build().get(null));
  }

  /** Spins until every thread is parked (the registry's waiters park on a latch); bounded by the test's timeout. */
  private static void awaitWaiting(List<Thread> threads) {
    awaitUntil(() -> threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
  }

  private static void awaitUntil(BooleanSupplier condition) {
    while (!condition.getAsBoolean()) {
      Thread.onSpinWait();
    }
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    try {
      assertTrue(latch.await(60, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
