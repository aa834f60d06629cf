package dev.faultline.diagnosis.fta;

/** The Boolean connective of a gate's formula, with its Open-PSA MEF element name. */
public enum Connective {
  /** All arguments. */
  AND("and"),
  /** Any argument. */
  OR("or"),
  /** At least {@code min} of the arguments. */
  ATLEAST("atleast"),
  /** The negation of its one argument. */
  NOT("not"),
  /** An odd number of the arguments (for two arguments: exactly one). */
  XOR("xor"),
  /** Not all arguments. */
  NAND("nand"),
  /** No argument. */
  NOR("nor"),
  /** Both of its two arguments are equal. */
  IFF("iff"),
  /** Its first argument implies its second. */
  IMPLY("imply"),
  /** Between {@code min} and {@code max} of the arguments. */
  CARDINALITY("cardinality");

  private final String xmlName;

  Connective(String xmlName) {
    this.xmlName = xmlName;
  }

  /** The MEF element name, for example {@code "atleast"}. */
  public String xmlName() {
    return xmlName;
  }

  /** The connective with this MEF element name, or null. */
  public static Connective fromXml(String name) {
    for (Connective c : values()) {
      if (c.xmlName.equals(name)) {
        return c;
      }
    }
    return null;
  }
}
