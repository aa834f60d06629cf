package dev.faultline.supervisor;

/**
 * What a supervised component uses to tell its supervisor that it failed or ended, after {@code start} returned.
 *
 * <p>Each context belongs to one incarnation of the child: reports made through the context of an instance that was
 * already restarted are ignored. Thread-safe: reports may come from any thread.
 */
public interface ChildContext {

  /** The child's name in its supervisor. */
  String name();

  /** Reports that this incarnation failed; the supervisor applies its restart strategy. */
  void failed(Throwable cause);

  /** Reports that this incarnation finished its work normally (transient and temporary children are not restarted). */
  void exited();
}
