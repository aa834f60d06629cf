package dev.faultline.diagnosis.incident;

import dev.faultline.core.internal.Validate;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.event.IncidentEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Groups incidents into {@link Issue}s by fingerprint, keeps first and last sighting, count and status, optionally
 * persists them in a directory, and publishes an {@link IncidentEvent.IncidentReported} for each incident recorded;
 * thread-safe.
 *
 * <p>Status transitions: the first incident of a fingerprint makes a {@link IssueStatus#NEW} issue; an incident of a
 * {@link IssueStatus#RESOLVED} issue makes it {@link IssueStatus#REGRESSED}; any other incident makes it
 * {@link IssueStatus#ONGOING}. Only {@link #resolve(String)} makes an issue resolved.
 *
 * <p>Concurrency: {@code lock} guards {@code issues} and {@code version}; it is never held during I/O or while calling
 * listeners. {@code saveLock} serialises writes of the store and guards {@code savedVersion}: a writer takes a snapshot
 * with its version under {@code lock}, then under {@code saveLock} writes it only if it is newer than the last one
 * written, so a slow writer never replaces a newer file with an older snapshot. Each change is on disk when
 * {@link #record} or {@link #resolve} returns.
 */
public final class IssueTracker {
  private final Object lock = new Object();
  private final Map<String, Issue> issues = new LinkedHashMap<>();
  private long version;

  private final Object saveLock = new Object();
  private long savedVersion;

  private final IssueStore store;
  private final List<FaultEventListener> listeners;

  private IssueTracker(IssueStore store, List<Issue> loaded, List<FaultEventListener> listeners) {
    this.store = store;
    this.listeners = List.copyOf(listeners);
    for (Issue issue : loaded) {
      issues.put(issue.fingerprint(), issue);
    }
  }

  /** A tracker that keeps its issues in memory only, publishing to {@code listeners}. */
  public static IssueTracker inMemory(List<FaultEventListener> listeners) {
    Validate.notNull("listeners", listeners);
    return new IssueTracker(null, List.of(), listeners);
  }

  /**
   * A tracker persisted in {@code directory} (created if missing), reloading the issues stored there.
   *
   * @throws IssueStoreException if the stored file is corrupt, naming file and line
   * @throws IOException if the directory cannot be read
   */
  public static IssueTracker open(Path directory, List<FaultEventListener> listeners) throws IOException {
    Validate.notNull("directory", directory);
    Validate.notNull("listeners", listeners);
    IssueStore store = new IssueStore(directory);
    return new IssueTracker(store, store.load(), listeners);
  }

  /**
   * Records an incident in its issue and publishes {@link IncidentEvent.IncidentReported}.
   *
   * @return the issue after the incident
   * @throws UncheckedIOException if the store cannot be written (the issue is updated in memory)
   */
  public Issue record(Incident incident) {
    Validate.notNull("incident", incident);
    Issue updated;
    Map<String, Issue> snapshot;
    long snapshotVersion;
    synchronized (lock) {
      Issue old = issues.get(incident.fingerprint());
      if (old == null) {
        updated = new Issue(incident.fingerprint(), incident.component(), incident.errorType(),
            incident.exceptionMessage(), incident.time(), incident.time(), 1, IssueStatus.NEW);
      } else {
        IssueStatus status = old.status() == IssueStatus.RESOLVED ? IssueStatus.REGRESSED : IssueStatus.ONGOING;
        // Incidents may arrive out of order from several threads: keep the earliest and latest times, and the details
        // of the latest incident, not of one that arrives late.
        boolean latest = !incident.time().isBefore(old.lastSeen());
        updated = new Issue(old.fingerprint(), latest ? incident.component() : old.component(),
            latest ? incident.errorType() : old.type(), latest ? incident.exceptionMessage() : old.message(),
            min(old.firstSeen(), incident.time()), max(old.lastSeen(), incident.time()), old.count() + 1, status);
      }
      issues.put(updated.fingerprint(), updated);
      snapshotVersion = ++version;
      snapshot = store == null ? null : new LinkedHashMap<>(issues);
    }
    save(snapshot, snapshotVersion);
    if (!listeners.isEmpty()) {
      IncidentEvent.IncidentReported event = new IncidentEvent.IncidentReported(incident.component(),
          incident.time(), incident.fingerprint(), incident.errorType(), incident.exceptionMessage());
      for (FaultEventListener listener : listeners) {
        try {
          listener.onEvent(event);
        } catch (RuntimeException e) {
          // Listeners must not throw; one that does loses this event only.
        }
      }
    }
    return updated;
  }

  /**
   * Marks an issue resolved; its next incident makes it {@link IssueStatus#REGRESSED}.
   *
   * @return the resolved issue
   * @throws IllegalArgumentException if no issue has that fingerprint
   * @throws UncheckedIOException if the store cannot be written (the issue is updated in memory)
   */
  public Issue resolve(String fingerprint) {
    Validate.notNull("fingerprint", fingerprint);
    Issue resolved;
    Map<String, Issue> snapshot;
    long snapshotVersion;
    synchronized (lock) {
      Issue old = issues.get(fingerprint);
      if (old == null) {
        throw new IllegalArgumentException("no issue has fingerprint \"" + fingerprint + "\"");
      }
      resolved = old.withStatus(IssueStatus.RESOLVED);
      issues.put(fingerprint, resolved);
      snapshotVersion = ++version;
      snapshot = store == null ? null : new LinkedHashMap<>(issues);
    }
    save(snapshot, snapshotVersion);
    return resolved;
  }

  /** The issue with this fingerprint, if any. */
  public Optional<Issue> issue(String fingerprint) {
    synchronized (lock) {
      return Optional.ofNullable(issues.get(fingerprint));
    }
  }

  /** Every issue, most recently seen first. */
  public List<Issue> issues() {
    List<Issue> all;
    synchronized (lock) {
      all = new ArrayList<>(issues.values());
    }
    all.sort(Comparator.comparing(Issue::lastSeen).reversed().thenComparing(Issue::fingerprint));
    return all;
  }

  private void save(Map<String, Issue> snapshot, long snapshotVersion) {
    if (snapshot == null) {
      return;
    }
    synchronized (saveLock) {
      if (snapshotVersion <= savedVersion) {
        return;
      }
      try {
        store.save(snapshot.values());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write issue store " + store.file(), e);
      }
      savedVersion = snapshotVersion;
    }
  }

  private static java.time.Instant min(java.time.Instant a, java.time.Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static java.time.Instant max(java.time.Instant a, java.time.Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
