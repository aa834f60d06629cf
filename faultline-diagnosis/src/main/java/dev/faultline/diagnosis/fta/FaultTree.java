package dev.faultline.diagnosis.fta;

import java.util.List;
import java.util.Objects;

/**
 * A named fault tree: the gates and CCF groups defined in one {@code <define-fault-tree>} (components flattened into
 * it). Immutable and thread-safe.
 *
 * @param name the fault tree's name
 * @param gates its gates in definition order
 * @param ccfGroups its CCF groups
 */
public record FaultTree(String name, List<Gate> gates, List<CcfGroup> ccfGroups) {
  /** Copies the lists. */
  public FaultTree {
    Objects.requireNonNull(name, "name");
    gates = List.copyOf(gates);
    ccfGroups = List.copyOf(ccfGroups);
  }
}
