package dev.faultline.console.demo;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.diagnosis.incident.Incident;
import dev.faultline.diagnosis.incident.IncidentReporter;
import java.util.Objects;

/**
 * What one demo service is given: its name, its clock and scheduler, where its {@code FaultEvent}s and incidents go,
 * and its log. Immutable; thread-safe as its parts are.
 *
 * @param service the service's name, which is also the name it reports under
 * @param clock the clock of its policies, components and log
 * @param scheduler the scheduler of its delays and scripted faults
 * @param events receives every event the service's policies and components publish
 * @param incidents receives the service's incidents
 * @param log the service's recent log lines
 */
public record Wiring(String service, Clock clock, Scheduler scheduler, FaultEventListener events,
    IncidentReporter incidents, DemoLog log) {

  /** Checks that every part is there. */
  public Wiring {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(events, "events");
    Objects.requireNonNull(incidents, "incidents");
    Objects.requireNonNull(log, "log");
  }

  /** Reports {@code failure} of {@code component} as an incident carrying the service's recent log lines. */
  public void reportIncident(Throwable failure, String component) {
    incidents.report(Incident.builder(failure).component(component).clock(clock).logLines(log.lines()).build());
  }
}
