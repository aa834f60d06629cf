package dev.faultline.supervisor.internal;

import dev.faultline.core.Clock;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.FaultEventListener;
import java.time.Instant;
import java.util.List;

/**
 * Delivers the supervisor's events to a fixed list of listeners. Publishers check {@link #enabled()} before building
 * an event, so that nothing is allocated for events when nobody listens.
 *
 * <p>Immutable and thread-safe. A listener that throws loses that event; the exception is dropped (virtual machine and
 * linkage errors excepted) so that a listener cannot change a supervision decision.
 */
public final class Publisher {
  private static final FaultEventListener[] NONE = new FaultEventListener[0];

  private final FaultEventListener[] listeners;
  private final Clock clock;

  /** A publisher stamping events by {@code clock} and delivering them to {@code listeners}. */
  public Publisher(Clock clock, List<FaultEventListener> listeners) {
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

  /** Delivers {@code event} to every listener, in order. */
  public void publish(FaultEvent event) {
    for (FaultEventListener listener : listeners) {
      try {
        listener.onEvent(event);
      } catch (Throwable t) {
        if (t instanceof VirtualMachineError || t instanceof LinkageError) {
          throw (Error) t;
        }
      }
    }
  }
}
