package dev.faultline.state;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Where a rollback goes: a checkpoint, a journal sequence, or a point in time. */
public sealed interface RollbackTarget {

  /** Back to the state of checkpoint {@code id}; the journal after its sequence is cut. */
  record ToCheckpoint(String id) implements RollbackTarget {
    @Override
    public String describe() {
      return "checkpoint " + id;
    }
  }

  /** Back to the state after record {@code sequence} (0: the initial state); the journal after it is cut. */
  record ToSequence(long sequence) implements RollbackTarget {
    @Override
    public String describe() {
      return "sequence " + sequence;
    }
  }

  /**
   * Back to the newest checkpoint taken at or before {@code time}. Journal records carry no time, so a time resolves
   * to a checkpoint, never to a point between two.
   */
  record ToTime(Instant time) implements RollbackTarget {
    @Override
    public String describe() {
      return "time " + time;
    }
  }

  /** The target in words, for events and logs. */
  String describe();

  /**
   * Reads a target as the command line writes it: {@code cp-…} is a checkpoint id, digits a sequence, an ISO-8601
   * instant ({@code 2026-01-01T10:00:00Z}) a time.
   *
   * @throws IllegalArgumentException naming the text if it is none of these
   */
  static RollbackTarget parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("rollback target must be a checkpoint id (cp-...), a sequence number or an"
          + " ISO-8601 instant, but was " + (text == null ? "null" : "blank"));
    }
    if (text.startsWith("cp-")) {
      return new ToCheckpoint(text);
    }
    if (text.chars().allMatch(c -> c >= '0' && c <= '9') && text.length() <= 18) {
      return new ToSequence(Long.parseLong(text));
    }
    try {
      return new ToTime(Instant.parse(text));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("rollback target must be a checkpoint id (cp-...), a sequence number or an"
          + " ISO-8601 instant, but was \"" + text + "\"", e);
    }
  }
}
