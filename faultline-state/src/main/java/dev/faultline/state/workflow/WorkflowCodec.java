package dev.faultline.state.workflow;

import dev.faultline.core.internal.Validate;

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
   * with Java serialization. Other values fail with {@code codec-failed}, and so do bytes that are not a value of
   * this codec.
   *
   * <p>Java serialization creates the objects of whatever classes the bytes name, so whoever can write the store (a
   * shared PostgreSQL database's users, not only this application) can make a node instantiate any serializable
   * class on its class path. Reading is subject to the JVM's serialization filter ({@code jdk.serialFilter}) if one
   * is set; to restrict it for workflows only, use {@link #standard(java.io.ObjectInputFilter)} with an allow-list,
   * or a codec of plain data (the Jackson codec of {@code faultline-jackson}).
   */
  static WorkflowCodec standard() {
    return StandardCodec.INSTANCE;
  }

  /**
   * The {@linkplain #standard() default codec}, with {@code filter} deciding what Java serialization may read (in
   * place of the JVM's filter), for example {@code ObjectInputFilter.Config.createFilter("com.example.orders.*;"
   * + "java.base/*;!*")}: only those classes, limits on depth or size. A value the filter rejects fails with
   * {@code codec-failed}; the tagged types do not go through it.
   */
  static WorkflowCodec standard(java.io.ObjectInputFilter filter) {
    return new StandardCodec(Validate.notNull("filter", filter));
  }
}
