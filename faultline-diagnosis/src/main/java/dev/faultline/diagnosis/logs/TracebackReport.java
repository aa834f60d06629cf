package dev.faultline.diagnosis.logs;

import java.time.LocalDateTime;
import java.util.List;

/**
 * What a {@link Traceback} found: the failure, the timeline before it, and the events most likely to be where it
 * began; immutable and thread-safe.
 *
 * @param failure the failure event: the first error, or the last event at or before the time asked for
 * @param windowStart the start of the window before the failure that was examined
 * @param timeline the events of the window in time order, ending with the failure
 * @param suspects the likely beginnings, most likely first
 * @param baselineEvents how many events came before the window, to compare the window with
 * @param notes caveats about the analysis (for example, no baseline to compare with)
 */
public record TracebackReport(LogEvent failure, LocalDateTime windowStart, List<LogEvent> timeline,
    List<Suspect> suspects, int baselineEvents, List<String> notes) {

  /** Copies the lists. */
  public TracebackReport {
    timeline = List.copyOf(timeline);
    suspects = List.copyOf(suspects);
    notes = List.copyOf(notes);
  }
}
