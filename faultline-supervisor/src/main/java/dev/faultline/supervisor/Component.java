package dev.faultline.supervisor;

/**
 * A part of a service with a lifecycle that a {@link Supervisor} starts, stops and restarts: a server, a consumer, a
 * connection pool, or a nested supervisor.
 *
 * <p>{@link #start(ChildContext)} returns once the component serves (throwing if it could not start); later failures
 * are reported through {@link ChildContext#failed(Throwable)}. {@link #stop()} releases what the component holds; the
 * supervisor interrupts it when it takes longer than the shutdown timeout. A supervisor creates a fresh instance from
 * its {@link ChildSpec}'s factory for every start, so an instance is started at most once unless it documents
 * otherwise. Implementations say whether they are thread-safe; the supervisor calls {@code start} and {@code stop} from
 * one thread at a time.
 */
public interface Component {

  /** Starts serving; returns when started. {@code context} reports later failures or a normal exit. */
  void start(ChildContext context) throws Exception;

  /** Stops serving and releases resources; must respond to interruption. */
  void stop() throws Exception;
}
