package dev.faultline.supervisor.health;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of every check of a {@link HealthRegistry} with the aggregate statuses: overall, per kind, per group.
 * An aggregate is DOWN if any of its checks is DOWN, else UNKNOWN if any is UNKNOWN, else UP (UP when empty).
 *
 * <p>Immutable and thread-safe.
 */
public final class HealthReport {
  private final List<CheckResult> checks;
  private final Map<String, List<String>> groups;

  HealthReport(List<CheckResult> checks, Map<String, List<String>> groups) {
    this.checks = List.copyOf(checks);
    this.groups = Map.copyOf(groups);
  }

  /** Every check, in registration order. */
  public List<CheckResult> checks() {
    return checks;
  }

  /** The result of check {@code name}. */
  public CheckResult check(String name) {
    return checks.stream().filter(c -> c.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no check named '" + name + "'"));
  }

  /** The aggregate of every check. */
  public Status status() {
    return aggregate(checks);
  }

  /** The aggregate of the checks of {@code kind}. */
  public Status status(ProbeKind kind) {
    return aggregate(checks.stream().filter(c -> c.kind() == kind).toList());
  }

  /**
   * The aggregate of the checks in {@code group}.
   *
   * @throws IllegalArgumentException if no check is in that group
   */
  public Status group(String group) {
    List<String> names = groups.get(group);
    if (names == null) {
      throw new IllegalArgumentException("no health group '" + group + "'; groups: " + groups.keySet());
    }
    return aggregate(checks.stream().filter(c -> names.contains(c.name())).toList());
  }

  private static Status aggregate(List<CheckResult> results) {
    boolean unknown = false;
    for (CheckResult r : results) {
      if (r.status() == Status.DOWN) {
        return Status.DOWN;
      }
      unknown |= r.status() == Status.UNKNOWN;
    }
    return unknown ? Status.UNKNOWN : Status.UP;
  }
}
