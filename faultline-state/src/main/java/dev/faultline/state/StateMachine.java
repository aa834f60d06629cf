package dev.faultline.state;

/**
 * The transitions of a piece of state: a pure, deterministic function from a state and an event to the next state.
 * Replay after a crash calls it again on the same events and must reach the same state.
 *
 * <p>{@link #apply} should not modify {@code state} in place when it throws: a throwing apply leaves the recoverable
 * state unchanged and journals nothing. Implementations must be thread-safe if they keep fields (most keep none).
 *
 * @param <S> the state type (immutable values are simplest)
 * @param <E> the event type
 */
public interface StateMachine<S, E> {

  /** The state before any event. */
  S initial();

  /**
   * The state after {@code event}.
   *
   * @throws RuntimeException to refuse the event; nothing is journaled then
   */
  S apply(S state, E event);
}
