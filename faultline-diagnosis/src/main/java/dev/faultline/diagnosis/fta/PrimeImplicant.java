package dev.faultline.diagnosis.fta;

import java.util.List;

/**
 * One prime implicant of the top event: a minimal conjunction of literals (basic events failed, or working) that
 * fails the top whatever the other events do. For a coherent tree the prime implicants are the minimal cut sets;
 * for a non-coherent one (with NOT, XOR, NAND, NOR, IFF, IMPLY) some need events to be working. Immutable and
 * thread-safe.
 *
 * @param literals the literals, sorted by event name
 * @param probability the product of {@code p} for each failed event and {@code 1 - p} for each working one
 */
public record PrimeImplicant(List<Literal> literals, double probability) {
  /** Copies the list. */
  public PrimeImplicant {
    literals = List.copyOf(literals);
  }

  /** The number of literals. */
  public int order() {
    return literals.size();
  }
}
