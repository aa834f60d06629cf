package dev.faultline.diagnosis.fta;

import java.util.List;
import java.util.Objects;

/**
 * A common-cause failure group: its members are basic events (defined by the group) whose failures share a cause.
 * Analysis replaces each member by an OR of CCF events, one per combination of members, named
 * {@code "[A B]"} as SCRAM names them. Immutable and thread-safe.
 *
 * @param name the group's name
 * @param model the factor model
 * @param members the member basic events, at least two
 * @param distribution the total failure probability Q of one member
 * @param factors the factors by level
 * @param label a description, or null
 * @param location where it was defined, or null when built in code
 */
public record CcfGroup(String name, CcfModel model, List<String> members, Expression distribution,
    List<Factor> factors, String label, Location location) {

  /**
   * One factor of a CCF model.
   *
   * @param level the number of members failing together that it describes
   * @param value its value
   */
  public record Factor(int level, Expression value) {
    /** Checks the value. */
    public Factor {
      Objects.requireNonNull(value, "value");
    }
  }

  /** Copies the lists and checks the fields. */
  public CcfGroup {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(distribution, "distribution");
    members = List.copyOf(members);
    factors = List.copyOf(factors);
  }
}
