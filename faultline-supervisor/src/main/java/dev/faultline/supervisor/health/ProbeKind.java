package dev.faultline.supervisor.health;

/** What a check's outcome is used for, as with Kubernetes probes. */
public enum ProbeKind {
  /** Whether the component should be restarted: a liveness check going DOWN restarts the component it guards. */
  LIVENESS,
  /** Whether the component should receive work. */
  READINESS,
  /** Whether the component has finished starting; its liveness and readiness checks wait until it is UP. */
  STARTUP
}
