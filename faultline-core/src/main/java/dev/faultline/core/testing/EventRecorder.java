package dev.faultline.core.testing;

import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.FaultEventListener;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A listener that records every {@link FaultEvent} it receives, for assertions in tests.
 *
 * <p>Thread-safe.
 */
public final class EventRecorder implements FaultEventListener {
  private final List<FaultEvent> events = new ArrayList<>();

  @Override
  public synchronized void onEvent(FaultEvent event) {
    events.add(event);
  }

  /** A copy of every event received so far, in order. */
  public synchronized List<FaultEvent> events() {
    return List.copyOf(events);
  }

  /** The events of the given type received so far, in order. */
  public synchronized <E extends FaultEvent> List<E> events(Class<E> type) {
    return events.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
  }

  /** The simple class names of the events received so far, for compact assertions. */
  public synchronized List<String> names() {
    return events.stream().map(e -> e.getClass().getSimpleName()).collect(Collectors.toList());
  }

  /** Forgets every event received so far. */
  public synchronized void clear() {
    events.clear();
  }
}
