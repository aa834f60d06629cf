package dev.faultline.supervisor.health;

import dev.faultline.core.internal.Validate;
import dev.faultline.core.ConfigurationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How one check runs: its name, kind, the component it belongs to, per-check timeout, refresh interval (results are
 * cached that long), Kubernetes-style thresholds, groups, and whether a liveness failure restarts its component.
 *
 * <p>Immutable and thread-safe; its {@link Builder} is not thread-safe.
 */
public final class CheckSpec {
  private final String name;
  private final ProbeKind kind;
  private final String component;
  private final HealthCheck check;
  private final Duration timeout;
  private final Duration refresh;
  private final int failureThreshold;
  private final int successThreshold;
  private final List<String> groups;
  private final boolean restartOnFailure;

  private CheckSpec(Builder b) {
    this.name = b.name;
    this.kind = b.kind;
    this.component = b.component;
    this.check = b.check;
    this.timeout = b.timeout;
    this.refresh = b.refresh;
    this.failureThreshold = b.failureThreshold;
    this.successThreshold = b.successThreshold;
    this.groups = List.copyOf(b.groups);
    this.restartOnFailure = b.restartOnFailure;
  }

  /** A builder for a check named {@code name} of kind {@code kind}. */
  public static Builder builder(String name, ProbeKind kind, HealthCheck check) {
    return new Builder(name, kind, check);
  }

  /** The check's name, unique in its registry. */
  public String name() {
    return name;
  }

  /** Its kind. */
  public ProbeKind kind() {
    return kind;
  }

  /** The component it guards (source of its events), if any. */
  public Optional<String> component() {
    return Optional.ofNullable(component);
  }

  HealthCheck check() {
    return check;
  }

  /** How long one run may take before it counts as DOWN and is interrupted. */
  public Duration timeout() {
    return timeout;
  }

  /** How long a result is cached before the check runs again. */
  public Duration refresh() {
    return refresh;
  }

  /** Failures in a row before the check is DOWN. */
  public int failureThreshold() {
    return failureThreshold;
  }

  /** Passes in a row before the check is UP. */
  public int successThreshold() {
    return successThreshold;
  }

  /** The groups it counts in. */
  public List<String> groups() {
    return groups;
  }

  /** Whether going DOWN restarts its component (liveness checks only). */
  public boolean restartOnFailure() {
    return restartOnFailure;
  }

  /** Builds a {@link CheckSpec}; not thread-safe. */
  public static final class Builder {
    private final String name;
    private final ProbeKind kind;
    private final HealthCheck check;
    private String component;
    private Duration timeout = Duration.ofSeconds(1);
    private Duration refresh = Duration.ofSeconds(10);
    private int failureThreshold = 3;
    private int successThreshold = 1;
    private final List<String> groups = new ArrayList<>();
    private boolean restartOnFailure;

    private Builder(String name, ProbeKind kind, HealthCheck check) {
      this.name = name;
      this.kind = kind;
      this.check = check;
    }

    /** Sets the component the check belongs to. */
    public Builder component(String component) {
      this.component = component;
      return this;
    }

    /** Sets the per-run timeout (positive; default 1 s, as Kubernetes). */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /** Sets the refresh interval, how long results are cached (positive; default 10 s, as Kubernetes' period). */
    public Builder refresh(Duration refresh) {
      this.refresh = refresh;
      return this;
    }

    /** Sets the failures in a row before DOWN (at least 1; default 3, as Kubernetes). */
    public Builder failureThreshold(int failureThreshold) {
      this.failureThreshold = failureThreshold;
      return this;
    }

    /** Sets the passes in a row before UP (at least 1, and 1 for liveness and startup checks; default 1). */
    public Builder successThreshold(int successThreshold) {
      this.successThreshold = successThreshold;
      return this;
    }

    /** Adds the check to a group. */
    public Builder group(String group) {
      groups.add(Validate.notBlank("group", group));
      return this;
    }

    /** Restarts the component when this liveness check goes DOWN (requires a component). */
    public Builder restartOnFailure() {
      this.restartOnFailure = true;
      return this;
    }

    /**
     * Checks the settings and builds the spec.
     *
     * @throws ConfigurationException naming the field, the rule and the value when invalid
     */
    public CheckSpec build() {
      Validate.notBlank("name", name);
      Validate.notNull("kind", kind);
      Validate.notNull("check", check);
      if (component != null) {
        Validate.notBlank("component", component);
      }
      Validate.positive("timeout", timeout);
      Validate.positive("refresh", refresh);
      Validate.atLeast("failureThreshold", failureThreshold, 1);
      Validate.atLeast("successThreshold", successThreshold, 1);
      if (kind != ProbeKind.READINESS && successThreshold != 1) {
        throw new ConfigurationException("successThreshold", "be 1 for " + kind + " checks", successThreshold);
      }
      if (restartOnFailure && (kind != ProbeKind.LIVENESS || component == null)) {
        throw new ConfigurationException("restartOnFailure", "be set only on a LIVENESS check with a component",
            kind + (component == null ? " without component" : " of " + component));
      }
      return new CheckSpec(this);
    }
  }
}
