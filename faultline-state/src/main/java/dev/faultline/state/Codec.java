package dev.faultline.state;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Turns values into bytes and back, for events in the journal and states in checkpoints. {@code decode(encode(x))}
 * must equal {@code x}. Implementations must be thread-safe.
 *
 * @param <T> the type of value
 */
public interface Codec<T> {

  /** The bytes of {@code value}. */
  byte[] encode(T value);

  /**
   * Captures {@code value} to be encoded later: the supplier returns the bytes {@code encode(value)} returns now, even
   * if {@code value} changes in the meantime. {@link RecoverableState} captures its state under its state lock and
   * encodes the checkpoint outside it, so a codec of a large mutable state can let writers go on while it encodes,
   * copying under the lock only what may still change. By default this encodes at once.
   */
  default Supplier<byte[]> capture(T value) {
    byte[] bytes = encode(value);
    return () -> bytes;
  }

  /**
   * The value of {@code bytes}.
   *
   * @throws RuntimeException if the bytes are not a value of this codec
   */
  T decode(byte[] bytes);

  /** Strings as UTF-8. */
  static Codec<String> utf8() {
    return new Codec<>() {
      @Override
      public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public String decode(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
      }
    };
  }
}
