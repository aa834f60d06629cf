package dev.faultline.diagnosis.fta;

import java.util.List;
import java.util.Objects;

/**
 * A Boolean formula of the fault tree layer: a reference to an event, a constant, or a connective over formulas.
 * Immutable and thread-safe.
 */
public sealed interface Formula permits Formula.Ref, Formula.Constant, Formula.Operation {

  /**
   * A reference to a gate, basic event or house event; the pass-through (null) gate is a gate whose formula is a Ref.
   *
   * @param kind what the name refers to
   * @param name the event's name
   */
  record Ref(EventKind kind, String name) implements Formula {
    /** Checks the fields. */
    public Ref {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * The constant true or false.
   *
   * @param value the value
   */
  record Constant(boolean value) implements Formula {}

  /**
   * A connective over arguments; {@code min} is used by ATLEAST and CARDINALITY, {@code max} by CARDINALITY only.
   *
   * @param connective the connective
   * @param args the arguments, at least one
   * @param min the lower bound (ATLEAST, CARDINALITY), else 0
   * @param max the upper bound (CARDINALITY), else 0
   */
  record Operation(Connective connective, List<Formula> args, int min, int max) implements Formula {
    /** Checks the arity of the connective and copies the arguments. */
    public Operation {
      Objects.requireNonNull(connective, "connective");
      args = List.copyOf(args);
      int n = args.size();
      String problem = null;
      switch (connective) {
        case NOT -> problem = n == 1 ? null : "takes exactly 1 argument";
        case IFF, IMPLY -> problem = n == 2 ? null : "takes exactly 2 arguments";
        case ATLEAST -> problem = n >= 1 && min >= 1 && min <= n ? null : "needs 1 <= min <= number of arguments";
        case CARDINALITY -> problem = n >= 1 && min >= 0 && min <= max && max <= n ? null
            : "needs 0 <= min <= max <= number of arguments";
        default -> problem = n >= 1 ? null : "takes at least 1 argument";
      }
      if (problem != null) {
        throw new IllegalArgumentException(connective.xmlName() + " " + problem + ", but had " + n
            + " (min=" + min + ", max=" + max + ")");
      }
    }

    /** An operation without bounds. */
    public static Operation of(Connective connective, Formula... args) {
      return new Operation(connective, List.of(args), 0, 0);
    }
  }

  /** A reference to a gate. */
  static Ref gate(String name) {
    return new Ref(EventKind.GATE, name);
  }

  /** A reference to a basic event. */
  static Ref basic(String name) {
    return new Ref(EventKind.BASIC_EVENT, name);
  }

  /** A reference to a house event. */
  static Ref house(String name) {
    return new Ref(EventKind.HOUSE_EVENT, name);
  }
}
