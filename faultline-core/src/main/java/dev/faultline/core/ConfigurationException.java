package dev.faultline.core;

/**
 * A configuration was invalid; thrown by {@code build()} and naming the field, the rule and the value.
 */
public final class ConfigurationException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final String rule;
  private final transient Object value;

  /** Creates the exception; the message reads {@code "<field> must <rule>, but was <value>"}. */
  public ConfigurationException(String field, String rule, Object value) {
    super("invalid-configuration", field + " must " + rule + ", but was " + value);
    this.field = field;
    this.rule = rule;
    this.value = value;
  }

  /** The configuration field that was invalid. */
  public String field() {
    return field;
  }

  /** The rule it broke, in words. */
  public String rule() {
    return rule;
  }

  /** The value that broke it. */
  public Object value() {
    return value;
  }
}
