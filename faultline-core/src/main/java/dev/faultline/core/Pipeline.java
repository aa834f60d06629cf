package dev.faultline.core;

import dev.faultline.core.internal.Validate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Several policies composed in one fixed order, outermost first:
 *
 * <pre>
 *   Fallback( Retry( CircuitBreaker( RateLimiter( Timeout( Bulkhead( AdaptiveLimiter( Hedge( call ))))))))
 * </pre>
 *
 * <p>Why this order: the fallback sees the final outcome, after retries have given up; each retry passes through the
 * breaker, so an open breaker stops retries early and every attempt is counted by it; the rate limiter spends a permit
 * per attempt that reaches the downstream; the timeout bounds one attempt including the time spent queuing for a
 * bulkhead or limit slot; the bulkhead and adaptive limiter bound what is in flight, counting hedges as one call;
 * hedges are the innermost redundancy. The order in which policies are {@linkplain Builder#add added} does not matter;
 * adding two policies of the same {@link PolicyKind} fails naming the kind.
 *
 * <p>Every execution gets one {@link CallContext} (attempt number, elapsed time, last failure), passed to the call; an
 * execution of a plain {@link Callable} does not measure elapsed time, so it reads no clock for its context.
 * A pipeline is immutable and thread-safe; its policies keep their own state and may be shared between pipelines.
 */
public final class Pipeline {

  /** A synchronous call that can read its execution's context. */
  @FunctionalInterface
  public interface Call<T> {
    /** Runs one attempt. */
    T call(CallContext context) throws Exception;
  }

  /** An asynchronous call that can read its execution's context. */
  @FunctionalInterface
  public interface AsyncCall<T> {
    /** Starts one attempt. */
    CompletionStage<T> call(CallContext context);
  }

  private final String name;
  private final Clock clock;
  private final Policy[] links;
  /** The index of the hedge among the links, or -1: its attempts may proceed on other threads. */
  private final int hedgeIndex;

  private Pipeline(Builder builder, Policy[] links) {
    this.name = builder.name;
    this.clock = builder.clock;
    this.links = links;
    int hedge = -1;
    for (int i = 0; i < links.length; i++) {
      if (links[i].kind() == PolicyKind.HEDGE) {
        hedge = i;
      }
    }
    this.hedgeIndex = hedge;
  }

  /** Starts a builder. Builders are not thread-safe. */
  public static Builder builder() {
    return new Builder();
  }

  /** The pipeline's name. */
  public String name() {
    return name;
  }

  /** The policies of this pipeline in execution order, outermost first. */
  public List<Policy> policies() {
    return List.of(links);
  }

  /** Runs {@code call} through every policy, in the calling thread. */
  public <T> T call(Call<? extends T> call) throws Exception {
    Objects.requireNonNull(call, "call");
    return new SyncExecution<T>(this, new CallContext(clock), call, null, 0).proceed();
  }

  /**
   * Runs {@code call}, which does not read its context, through every policy, in the calling thread. Nothing reads
   * the clock for it unless a policy needs time: the execution's {@link CallContext} counts attempts but does not
   * measure {@linkplain CallContext#elapsed() elapsed time}.
   */
  public <T> T call(Callable<? extends T> call) throws Exception {
    Objects.requireNonNull(call, "call");
    return new SyncExecution<T>(this, CallContext.untimed(clock), null, call, 0).proceed();
  }

  /** Starts {@code call} through every policy; the returned stage completes with the final outcome. */
  public <T> CompletionStage<T> callAsync(AsyncCall<T> call) {
    Objects.requireNonNull(call, "call");
    return new AsyncLink<T>(this, 0, new CallContext(clock), call).proceed();
  }

  /**
   * One synchronous execution, and the chain every link of it receives: {@code next} is the link that
   * {@link #proceed()} runs, advanced while that link runs and restored when it returns, so a policy that proceeds
   * several times (a retry) starts each attempt at the link after itself. Only the calling thread moves {@code next}:
   * every sync policy proceeds in the thread that called it, except a hedge, whose attempts may run on other threads
   * and therefore get a chain of their own that never changes ({@code next} at the end). Not thread-safe otherwise.
   */
  private static final class SyncExecution<T> implements Chain<T> {
    private final Pipeline pipeline;
    private final CallContext context;
    private final Call<? extends T> call;
    private final Callable<? extends T> plain;
    private int next;

    SyncExecution(Pipeline pipeline, CallContext context, Call<? extends T> call, Callable<? extends T> plain,
        int next) {
      this.pipeline = pipeline;
      this.context = context;
      this.call = call;
      this.plain = plain;
      this.next = next;
    }

    @Override
    public CallContext context() {
      return context;
    }

    @Override
    public T proceed() throws Exception {
      Policy[] links = pipeline.links;
      int index = next;
      if (index == links.length) {
        return plain != null ? plain.call() : call.call(context);
      }
      Policy link = links[index];
      if (index == pipeline.hedgeIndex) {
        return link.execute(new SyncExecution<T>(pipeline, context, call, plain, index + 1));
      }
      next = index + 1;
      try {
        return link.execute(this);
      } finally {
        next = index;
      }
    }
  }

  private static final class AsyncLink<T> implements AsyncChain<T> {
    private final Pipeline pipeline;
    private final int index;
    private final CallContext context;
    private final AsyncCall<T> call;

    AsyncLink(Pipeline pipeline, int index, CallContext context, AsyncCall<T> call) {
      this.pipeline = pipeline;
      this.index = index;
      this.context = context;
      this.call = call;
    }

    @Override
    public CallContext context() {
      return context;
    }

    @Override
    public CompletionStage<T> proceed() {
      Policy[] links = pipeline.links;
      try {
        if (index == links.length) {
          CompletionStage<T> stage = call.call(context);
          return stage != null ? stage
              : CompletableFuture.failedFuture(new NullPointerException("async call returned a null stage"));
        }
        return links[index].executeAsync(new AsyncLink<T>(pipeline, index + 1, context, call));
      } catch (Throwable t) {
        return CompletableFuture.failedFuture(t);
      }
    }
  }

  /** Builds a {@link Pipeline}. Not thread-safe. */
  public static final class Builder {
    private String name = "pipeline";
    private Clock clock = Clock.system();
    private final Map<PolicyKind, Policy> policies = new EnumMap<>(PolicyKind.class);

    private Builder() {}

    /** Names the pipeline (default {@code "pipeline"}). */
    public Builder name(String name) {
      this.name = Validate.notBlank("name", name);
      return this;
    }

    /** The clock that times each execution's {@link CallContext} (default {@link Clock#system()}). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Adds policies; each takes the place its {@link PolicyKind} fixes, whatever the order of adding.
     *
     * @throws ConfigurationException if a policy of the same kind was already added
     */
    public Builder add(Policy... policies) {
      for (Policy policy : policies) {
        Objects.requireNonNull(policy, "policy");
        Policy previous = this.policies.putIfAbsent(policy.kind(), policy);
        if (previous != null) {
          throw new ConfigurationException("policies", "hold at most one " + policy.kind() + " link (has "
              + previous.name() + ")", policy.name());
        }
      }
      return this;
    }

    /** Builds the immutable pipeline. */
    public Pipeline build() {
      List<Policy> ordered = new ArrayList<>(policies.values());
      ordered.sort(Comparator.comparing(Policy::kind));
      return new Pipeline(this, ordered.toArray(new Policy[0]));
    }
  }
}
