package dev.faultline.state.workflow;

/**
 * Turns workflow inputs, step results and outputs into bytes and back. {@code decode(encode(x))} must equal {@code x}.
 * Implementations must be thread-safe.
 */
public interface WorkflowCodec {

  /**
   * The bytes of {@code value} (which may be null).
   *
   * @throws RuntimeException if the value cannot be encoded
   */
  byte[] encode(Object value);

  /**
   * The value of {@code bytes}.
   *
   * @throws RuntimeException if the bytes are not a value of this codec
   */
  Object decode(byte[] bytes);

  /**
   * The default codec: null, {@code String}, {@code Integer}, {@code Long}, {@code Boolean}, {@code Double} and
   * {@code byte[]} in a compact tagged form; anything else {@link java.io.Serializable} (records of those included)
   * with Java serialization. Other values fail with {@code codec-failed}.
   */
  static WorkflowCodec standard() {
    return StandardCodec.INSTANCE;
  }
}
