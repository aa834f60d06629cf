package dev.faultline.diagnosis.model;

import dev.faultline.core.internal.Validate;
import java.util.List;

/**
 * A known way a component fails: its signature and the remedies known to work; immutable and thread-safe.
 *
 * @param name the failure mode's name, for example {@code "connection pool exhausted"}
 * @param component the component it affects, or null for any component
 * @param signature how it shows itself
 * @param remedies what fixes it, in the order to try
 */
public record FailureMode(String name, String component, Signature signature, List<String> remedies) {

  /** Checks the name and signature and copies the remedies. */
  public FailureMode {
    Validate.notBlank("failure mode name", name);
    Validate.notNull("failure mode " + name + " signature", signature);
    remedies = List.copyOf(Validate.notNull("failure mode " + name + " remedies", remedies));
  }

  /** Whether this mode applies to {@code observation}: the component agrees and the signature matches. */
  public boolean matches(Observation observation) {
    return (component == null || component.equals(observation.component())) && signature.matches(observation);
  }
}
