package dev.faultline.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.support.Harness;
import dev.faultline.core.support.Harness.Behavior;
import dev.faultline.core.support.Harness.Mode;
import dev.faultline.core.support.Harness.Outcome;
import dev.faultline.core.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@link Pipeline} contract: link order, one link per kind, re-running links, the shared context, async edges. */
class PipelineTest {

  private final FakeClock clock = new FakeClock();

  /**
   * A test-only link that records what it sees and proceeds {@code proceeds} times (the last result wins). When
   * {@code nextAttemptOnFailure} is set, a failed proceed is recorded in the context with {@code nextAttempt} before
   * proceeding again, as a retry would.
   */
  private static class Link implements Policy {
    private final PolicyKind kind;
    private final List<String> log;
    private final int proceeds;
    private final boolean nextAttemptOnFailure;
    final List<CallContext> contexts = Collections.synchronizedList(new ArrayList<>());

    Link(PolicyKind kind, List<String> log) {
      this(kind, log, 1, false);
    }

    Link(PolicyKind kind, List<String> log, int proceeds, boolean nextAttemptOnFailure) {
      this.kind = kind;
      this.log = log;
      this.proceeds = proceeds;
      this.nextAttemptOnFailure = nextAttemptOnFailure;
    }

    @Override
    public String name() {
      return "link-" + kind.name().toLowerCase();
    }

    @Override
    public PolicyKind kind() {
      return kind;
    }

    private void enter(CallContext context) {
      contexts.add(context);
      log.add(kind + " attempt=" + context.attempt() + " lastFailure="
          + context.lastFailure().map(Throwable::getMessage).orElse("none"));
    }

    @Override
    public <T> T execute(Chain<T> chain) throws Exception {
      enter(chain.context());
      T result = null;
      for (int i = 0; i < proceeds; i++) {
        try {
          result = chain.proceed();
        } catch (Exception e) {
          if (!nextAttemptOnFailure || i == proceeds - 1) {
            throw e;
          }
          chain.context().nextAttempt(e);
        }
      }
      log.add(kind + " elapsed=" + chain.context().elapsed().toMillis() + "ms");
      return result;
    }

    @Override
    public <T> CompletionStage<T> executeAsync(AsyncChain<T> chain) {
      enter(chain.context());
      CompletionStage<T> stage = chain.proceed();
      for (int i = 1; i < proceeds; i++) {
        stage = stage.handle((value, failure) -> {
          if (failure == null) {
            return chain.proceed();
          }
          Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
          if (!nextAttemptOnFailure) {
            return CompletableFuture.<T>failedFuture(cause);
          }
          chain.context().nextAttempt(cause);
          return chain.proceed();
        }).thenCompose(next -> next);
      }
      return stage.whenComplete((value, failure) -> {
        if (failure == null) {
          log.add(kind + " elapsed=" + chain.context().elapsed().toMillis() + "ms");
        }
      });
    }
  }

  private static List<String> entries(List<String> log) {
    return log.stream().filter(line -> line.contains(" attempt=")).map(line -> line.substring(0, line.indexOf(' ')))
        .collect(Collectors.toList());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void linksRunInTheDocumentedOrderWhateverTheOrderOfAdding(Mode mode) {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    List<Policy> links = Arrays.stream(PolicyKind.values()).map(kind -> new Link(kind, log))
        .collect(Collectors.toCollection(ArrayList::new));
    Collections.reverse(links);
    Collections.swap(links, 1, 5);
    Pipeline pipeline = Pipeline.builder().clock(clock).add(links.toArray(new Policy[0])).build();

    Outcome<String> outcome = Harness.run(mode, clock, pipeline, attempt -> Behavior.ok("done"));

    assertEquals("done", outcome.value());
    List<String> documented = List.of("FALLBACK", "RETRY", "CIRCUIT_BREAKER", "RATE_LIMITER", "TIMEOUT", "BULKHEAD",
        "ADAPTIVE_LIMITER", "HEDGE");
    assertEquals(documented, entries(log));
    assertEquals(documented, pipeline.policies().stream().map(p -> p.kind().name()).collect(Collectors.toList()));
  }

  @Test
  void addingTwoPoliciesOfTheSameKindFailsNamingTheKind() {
    List<String> log = new ArrayList<>();
    Pipeline.Builder builder =
        Pipeline.builder().add(new Link(PolicyKind.RETRY, log), new Link(PolicyKind.TIMEOUT, log));

    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> builder.add(new Link(PolicyKind.RETRY, log)));

    assertEquals("policies", e.field());
    assertTrue(e.rule().contains("RETRY"), e.getMessage());
    assertTrue(e.getMessage().contains("link-retry"), e.getMessage());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aLinkThatProceedsTwiceRerunsTheInnerLinksAndTheCall(Mode mode) {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    Pipeline pipeline = Pipeline.builder().clock(clock)
        .add(new Link(PolicyKind.TIMEOUT, log), new Link(PolicyKind.RETRY, log, 2, false),
            new Link(PolicyKind.FALLBACK, log))
        .build();

    Outcome<String> outcome = Harness.run(mode, clock, pipeline, attempt -> Behavior.ok("run " + attempt));

    assertEquals("run 2", outcome.value());
    assertEquals(2, outcome.attempts());
    assertEquals(List.of("FALLBACK", "RETRY", "TIMEOUT", "TIMEOUT"), entries(log));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void attemptAndLastFailureReflectNextAttemptAndElapsedReadsThePipelineClock(Mode mode) {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    Link retry = new Link(PolicyKind.RETRY, log, 2, true);
    Link timeout = new Link(PolicyKind.TIMEOUT, log);
    Pipeline pipeline = Pipeline.builder().clock(clock).add(retry, timeout).build();
    IOException first = new IOException("first failed");

    Outcome<String> outcome = Harness.run(mode, clock, pipeline, attempt -> attempt == 1
        ? Behavior.failAfter(Duration.ofMillis(30), first)
        : Behavior.okAfter(Duration.ofMillis(45), "second"));

    assertEquals("second", outcome.value());
    assertEquals(List.of(
        "RETRY attempt=1 lastFailure=none",
        "TIMEOUT attempt=1 lastFailure=none",
        "TIMEOUT attempt=2 lastFailure=first failed",
        "TIMEOUT elapsed=75ms",
        "RETRY elapsed=75ms"), log);
    assertSame(retry.contexts.get(0), timeout.contexts.get(0));
    assertSame(retry.contexts.get(0), timeout.contexts.get(1));
    CallContext context = retry.contexts.get(0);
    assertEquals(2, context.attempt());
    assertSame(first, context.lastFailure().orElseThrow());
    assertSame(clock, context.clock());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void theCallReceivesTheContextThatEveryLinkSees(Mode mode) throws Exception {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    Link retry = new Link(PolicyKind.RETRY, log);
    Link bulkhead = new Link(PolicyKind.BULKHEAD, log);
    Link hedge = new Link(PolicyKind.HEDGE, log);
    Pipeline pipeline = Pipeline.builder().clock(clock).add(hedge, retry, bulkhead).build();
    List<CallContext> seenByCall = new ArrayList<>();
    clock.advance(Duration.ofSeconds(7));

    String value;
    if (mode == Mode.SYNC) {
      value = pipeline.call(context -> {
        seenByCall.add(context);
        clock.advance(Duration.ofMillis(12));
        return "sync";
      });
    } else {
      value = pipeline.<String>callAsync(context -> {
        seenByCall.add(context);
        clock.advance(Duration.ofMillis(12));
        return CompletableFuture.completedFuture("async");
      }).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    assertEquals(mode == Mode.SYNC ? "sync" : "async", value);
    assertEquals(1, seenByCall.size());
    CallContext context = seenByCall.get(0);
    assertSame(context, retry.contexts.get(0));
    assertSame(context, bulkhead.contexts.get(0));
    assertSame(context, hedge.contexts.get(0));
    assertEquals(1, context.attempt());
    assertEquals(Duration.ofMillis(12), context.elapsed(), "elapsed counts from the start of the execution");
  }

  @Test
  void anAsyncCallThatThrowsBecomesAFailedStage() {
    Pipeline pipeline = Pipeline.builder().clock(clock).add(new Link(PolicyKind.RETRY, new ArrayList<>())).build();
    IllegalStateException thrown = new IllegalStateException("thrown, not returned");

    CompletionStage<String> stage = pipeline.callAsync(context -> {
      throw thrown;
    });

    ExecutionException e = assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(5,
        TimeUnit.SECONDS));
    assertSame(thrown, e.getCause());
  }

  @Test
  void anAsyncCallThatReturnsNullBecomesAFailedStageWithAClearMessage() {
    Pipeline pipeline = Pipeline.builder().clock(clock).add(new Link(PolicyKind.TIMEOUT, new ArrayList<>())).build();

    CompletionStage<String> stage = pipeline.callAsync(context -> null);

    ExecutionException e = assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(5,
        TimeUnit.SECONDS));
    NullPointerException cause = assertInstanceOf(NullPointerException.class, e.getCause());
    assertEquals("async call returned a null stage", cause.getMessage());
  }

  @Test
  void aLinkThatThrowsFromExecuteAsyncBecomesAFailedStage() {
    IllegalArgumentException thrown = new IllegalArgumentException("link broke");
    Policy broken = new Link(PolicyKind.BULKHEAD, new ArrayList<>()) {
      @Override
      public <T> CompletionStage<T> executeAsync(AsyncChain<T> chain) {
        throw thrown;
      }
    };
    Pipeline pipeline = Pipeline.builder().clock(clock).add(broken).build();

    CompletableFuture<Object> future = pipeline.callAsync(context -> CompletableFuture.completedFuture((Object) "x"))
        .toCompletableFuture();

    assertTrue(future.isCompletedExceptionally());
    ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(5, TimeUnit.SECONDS));
    assertSame(thrown, e.getCause());
  }

  @Test
  void anEmptyPipelineRunsTheCallWithAFreshContext() throws Exception {
    Pipeline pipeline = Pipeline.builder().name("empty").clock(clock).build();

    CallContext context = pipeline.call(ctx -> ctx);

    assertEquals("empty", pipeline.name());
    assertTrue(pipeline.policies().isEmpty());
    assertEquals(1, context.attempt());
    assertNull(context.lastFailure().orElse(null));
  }

  @Test
  void aPlainCallableRunsThroughEveryLinkAndItsContextCountsAttemptsWithoutMeasuringTime() throws Exception {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    Link retry = new Link(PolicyKind.RETRY, log, 2, true) {
      @Override
      public <T> T execute(Chain<T> chain) throws Exception {
        T result = null;
        for (int i = 0; i < 2; i++) {
          try {
            result = chain.proceed();
          } catch (IOException e) {
            chain.context().nextAttempt(e);
          }
        }
        contexts.add(chain.context());
        return result;
      }
    };
    Link breaker = new Link(PolicyKind.CIRCUIT_BREAKER, log) {
      @Override
      public <T> T execute(Chain<T> chain) throws Exception {
        log.add("BREAKER attempt=" + chain.context().attempt());
        return chain.proceed();
      }
    };
    Pipeline pipeline = Pipeline.builder().clock(clock).add(retry, breaker).build();
    int[] calls = {0};

    String result = pipeline.call(() -> {
      if (++calls[0] == 1) {
        throw new IOException("first");
      }
      return "second";
    });

    assertEquals("second", result);
    assertEquals(List.of("BREAKER attempt=1", "BREAKER attempt=2"), log, "each attempt passes the inner link again");
    CallContext context = retry.contexts.get(0);
    assertEquals(2, context.attempt());
    assertTrue(!context.timed());
    IllegalStateException e = assertThrows(IllegalStateException.class, context::elapsed);
    assertTrue(e.getMessage().contains("Pipeline.call(Callable)"), e.getMessage());
    assertTrue(pipeline.call(ctx -> ctx).timed(), "a call that takes its context has its elapsed time measured");
  }

  /** A link that proceeds twice, both times completely, sees the execution's chain start after itself each time. */
  @Test
  void nestedLinksThatProceedSeveralTimesEachRestartAfterThemselves() throws Exception {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    Pipeline pipeline = Pipeline.builder().clock(clock)
        .add(new Link(PolicyKind.RETRY, log, 2, false), new Link(PolicyKind.TIMEOUT, log, 2, false),
            new Link(PolicyKind.BULKHEAD, log))
        .build();
    int[] calls = {0};

    pipeline.call(ctx -> ++calls[0]);

    assertEquals(4, calls[0]);
    assertEquals(List.of("RETRY", "TIMEOUT", "BULKHEAD", "BULKHEAD", "TIMEOUT", "BULKHEAD", "BULKHEAD"), entries(log));
  }

  /** A hedge's attempts may run on other threads: each gets a chain that ends at the call, whatever the caller does. */
  @Test
  void aHedgeLinkProceedsOnOtherThreadsWithItsOwnChain() throws Exception {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    Policy hedge = new Link(PolicyKind.HEDGE, log) {
      @Override
      public <T> T execute(Chain<T> chain) throws Exception {
        List<T> results = Collections.synchronizedList(new ArrayList<>());
        Thread other = new Thread(() -> {
          try {
            results.add(chain.proceed());
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
        other.start();
        other.join();
        results.add(chain.proceed());
        return results.get(0);
      }
    };
    Pipeline pipeline = Pipeline.builder().clock(clock).add(new Link(PolicyKind.RETRY, log, 2, false), hedge).build();
    List<String> threads = Collections.synchronizedList(new ArrayList<>());

    pipeline.call(ctx -> threads.add(Thread.currentThread().getName()));

    assertEquals(4, threads.size(), "two retries, each hedged once on another thread");
    assertEquals(2, threads.stream().filter(name -> !name.equals(Thread.currentThread().getName())).count());
  }
}
