package dev.faultline.state.journal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One record of a journal: its sequence and its payload.
 *
 * <p>The payload array is handed over as is, without a copy: whoever holds the record owns the array. Equality
 * compares payload contents. Immutable if the payload is not modified.
 *
 * @param sequence the record's sequence, 1 for the first record ever appended
 * @param payload the bytes that were appended
 */
public record JournalRecord(long sequence, byte[] payload) {

  /** The payload decoded as UTF-8 (malformed bytes become U+FFFD). */
  public String payloadUtf8() {
    return new String(payload, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof JournalRecord && ((JournalRecord) other).sequence == sequence
        && Arrays.equals(((JournalRecord) other).payload, payload);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(sequence) * 31 + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "JournalRecord[sequence=" + sequence + ", " + payload.length + " bytes]";
  }
}
