package dev.faultline.supervisor.health;

import dev.faultline.core.internal.Validate;

/**
 * The outcome of one run of a {@link HealthCheck}: up or down, with a detail for people.
 *
 * @param up whether the check passed
 * @param detail what was measured or what went wrong
 */
public record Health(boolean up, String detail) {

  /** Requires a detail. */
  public Health {
    Validate.notNull("detail", detail);
  }

  /** A passing outcome. */
  public static Health up(String detail) {
    return new Health(true, detail);
  }

  /** A failing outcome. */
  public static Health down(String detail) {
    return new Health(false, detail);
  }
}
