package dev.faultline.console.server;

/**
 * What a caller of the console's API may do: users are admins, operators or viewers; service keys are reporters.
 *
 * <p>Users' roles are ordered: an admin may do what an operator may, and an operator what a viewer may. A reporter (a
 * service key) may only send data, and no user may act as a reporter. Immutable, thread-safe.
 */
public enum Role {
  /** Manages users, keys and the audit log, and may do all an operator may. */
  ADMIN,
  /** Acts on services (resume, roll back), and may read all a viewer may. */
  OPERATOR,
  /** Reads services, events and incidents. */
  VIEWER,
  /** A service that reports its events with its own API key; reads nothing. */
  REPORTER;

  /** Whether a caller with this role may use a route that requires {@code required}. */
  public boolean covers(Role required) {
    if (this == REPORTER || required == REPORTER) {
      return this == required;
    }
    return ordinal() <= required.ordinal();
  }

  /** The role named {@code name} (case-insensitive), or {@code null} when no role has that name. */
  static Role parse(String name) {
    for (Role role : values()) {
      if (role.name().equalsIgnoreCase(name)) {
        return role;
      }
    }
    return null;
  }
}
