package dev.faultline.core.internal;

import dev.faultline.core.Clock;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.FaultEventListener;
import java.time.Instant;
import java.util.List;

/**
 * Delivers events to a fixed list of listeners. Publishers check {@link #enabled()} before building an event, so that
 * a policy without listeners allocates nothing for events.
 *
 * <p>Immutable and thread-safe. A listener that throws loses that event; the exception is dropped (fatal errors
 * excepted) so that it cannot change the outcome of a call.
 */
public final class Events {
  private static final FaultEventListener[] NONE = new FaultEventListener[0];

  private final FaultEventListener[] listeners;
  private final Clock clock;

  /** Events stamped by {@code clock} and delivered to {@code listeners}. */
  public Events(Clock clock, List<FaultEventListener> listeners) {
    this.clock = clock;
    this.listeners = listeners.isEmpty() ? NONE : listeners.toArray(NONE);
  }

  /** Whether any listener would receive an event. */
  public boolean enabled() {
    return listeners.length != 0;
  }

  /** The time to stamp on an event now. */
  public Instant now() {
    return Instant.ofEpochMilli(clock.wallMillis());
  }

  /** Delivers {@code event} to every listener. */
  public void publish(FaultEvent event) {
    for (FaultEventListener listener : listeners) {
      try {
        listener.onEvent(event);
      } catch (Throwable t) {
        Exceptions.rethrowIfFatal(t);
      }
    }
  }
}
