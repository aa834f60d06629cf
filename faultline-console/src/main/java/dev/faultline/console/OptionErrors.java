package dev.faultline.console;

import dev.faultline.core.ConfigurationException;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * Usage errors (exit 2) that name a command-line option as it was typed, shared by the commands: a value out of range
 * is reported as {@code "--depth must be at least 3, but was 2"}, never by the library field the option sets
 * ({@code depth}, {@code maxSuspects}) with exit 1.
 *
 * <p>A command either checks a value itself and words the error with {@link #typed}, or lets the library's builder
 * check it and passes the {@link ConfigurationException} through {@link #refusal}, which keeps the builder's rule and
 * puts the option in place of the field. Stateless and thread-safe.
 */
public final class OptionErrors {
  private OptionErrors() {}

  /**
   * The value of {@code option} as it was typed on the command line ({@code "1e-3"}, {@code "30s"}), or {@code null}
   * if it was not given.
   *
   * @param spec the command whose options were parsed
   * @param option a name of the option, with its dashes
   * @param index which of the option's values, for a repeatable option; 0 for the first
   */
  public static String typed(CommandLine.Model.CommandSpec spec, String option, int index) {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    if (parsed == null || !parsed.hasMatchedOption(option)) {
      return null;
    }
    List<String> values = parsed.matchedOption(option).stringValues();
    return index < values.size() ? values.get(index) : null;
  }

  /** The first value of {@code option} as it was typed, or {@code null} if it was not given. */
  public static String typed(CommandLine.Model.CommandSpec spec, String option) {
    return typed(spec, option, 0);
  }

  /**
   * What to throw for a configuration the library refused: a usage error naming the option that set the refused
   * field, or {@code e} itself if no option given on the command line set it (the library's own message then).
   *
   * <p>The message is {@code "<option> must <rule>, but was <value>"} with the builder's rule. The value is the text
   * the library reported if that is text (it quotes what was typed and may say why, such as a regular expression's
   * syntax error), otherwise the option's value as typed (a number or a duration as the user wrote it). A field
   * written {@code name[i]} is the {@code i}-th value of a repeatable option.
   *
   * @param spec the command whose options were parsed
   * @param e the refusal
   * @param optionOfField the command's options by the builder field each one sets, e.g. {@code depth -> --depth}
   */
  public static RuntimeException refusal(CommandLine.Model.CommandSpec spec, ConfigurationException e,
      Map<String, String> optionOfField) {
    String field = e.field();
    int index = 0;
    int bracket = field.indexOf('[');
    if (bracket > 0 && field.endsWith("]")) {
      try {
        index = Integer.parseInt(field.substring(bracket + 1, field.length() - 1));
        field = field.substring(0, bracket);
      } catch (NumberFormatException notAnIndex) {
        return e;
      }
    }
    String option = optionOfField.get(field);
    String typed = option == null ? null : typed(spec, option, index);
    if (typed == null) {
      return e;
    }
    String value = e.value() instanceof CharSequence ? e.value().toString() : typed;
    return new CommandLine.ParameterException(spec.commandLine(), option + " must " + e.rule() + ", but was " + value,
        e);
  }
}
