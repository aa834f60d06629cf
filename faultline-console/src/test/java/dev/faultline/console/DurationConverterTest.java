package dev.faultline.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DurationConverterTest {

  @Test
  void readsShortAndIsoForms() {
    assertEquals(Duration.ofMillis(500), DurationConverter.parse("500ms"));
    assertEquals(Duration.ofSeconds(20), DurationConverter.parse("20s"));
    assertEquals(Duration.ofMinutes(5), DurationConverter.parse("5m"));
    assertEquals(Duration.ofHours(1), DurationConverter.parse("1h"));
    assertEquals(Duration.ofDays(2), DurationConverter.parse("2d"));
    assertEquals(Duration.ofSeconds(20), DurationConverter.parse("PT20S"));
  }

  @Test
  void rejectsGarbageNamingTheValue() {
    CommandLine.TypeConversionException e =
        assertThrows(CommandLine.TypeConversionException.class, () -> DurationConverter.parse("twenty"));
    assertTrue(e.getMessage().contains("'twenty'"), e.getMessage());
  }

  @Test
  void rejectsADurationTooLongForItsTypeNamingTheValue() {
    for (String value : new String[] {"99999999999999999999s", "200000000000000d", "9223372036854775807d"}) {
      CommandLine.TypeConversionException e =
          assertThrows(CommandLine.TypeConversionException.class, () -> DurationConverter.parse(value), value);
      assertEquals("'" + value + "' is too long a duration", e.getMessage());
    }
  }
}
