package dev.faultline.core.hedge;

import dev.faultline.core.AsyncChain;
import dev.faultline.core.Chain;
import dev.faultline.core.PolicyKind;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A {@link Hedge.Replicated}: a {@link DefaultHedge} whose attempt {@code i} uses replica {@code i mod size}.
 * Immutable apart from the hedge it wraps; thread-safe.
 */
final class ReplicatedHedge<R> implements Hedge.Replicated<R> {
  private final DefaultHedge hedge;
  private final List<R> replicas;

  ReplicatedHedge(DefaultHedge hedge, List<R> replicas) {
    this.hedge = hedge;
    this.replicas = replicas;
  }

  private R replica(int number) {
    return replicas.get(number % replicas.size());
  }

  @Override
  public List<R> replicas() {
    return replicas;
  }

  @Override
  public <T> T callWith(Hedge.ReplicaCall<? super R, ? extends T> call) throws Exception {
    return hedge.callSync(number -> call.call(replica(number)));
  }

  @Override
  public <T> CompletionStage<T> callWithAsync(Function<? super R, ? extends CompletionStage<T>> call) {
    return hedge.callAsyncInternal(number -> call.apply(replica(number)));
  }

  @Override
  public R currentReplica() {
    int number = Hedge.currentAttempt();
    if (number < 0) {
      throw new IllegalStateException("no hedged attempt is running on thread " + Thread.currentThread().getName()
          + ": currentReplica() is meant for the code of an attempt of hedge " + hedge.name);
    }
    return replica(number);
  }

  @Override
  public String name() {
    return hedge.name();
  }

  @Override
  public PolicyKind kind() {
    return PolicyKind.HEDGE;
  }

  @Override
  public HedgeConfig config() {
    return hedge.config();
  }

  @Override
  public Metrics metrics() {
    return hedge.metrics();
  }

  @Override
  public <T> T execute(Chain<T> chain) throws Exception {
    return hedge.execute(chain);
  }

  @Override
  public <T> CompletionStage<T> executeAsync(AsyncChain<T> chain) {
    return hedge.executeAsync(chain);
  }

  @Override
  public <T> T call(Callable<? extends T> call) throws Exception {
    return hedge.call(call);
  }

  @Override
  public <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> call) {
    return hedge.callAsync(call);
  }

  @Override
  public String toString() {
    return "Hedge[" + hedge.name + ", replicas=" + replicas.size() + "]";
  }
}
