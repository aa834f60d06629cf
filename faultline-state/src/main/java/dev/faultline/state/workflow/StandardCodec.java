package dev.faultline.state.workflow;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@link WorkflowCodec#standard()}: one tag byte, then the value. Thread-safe (immutable).
 */
final class StandardCodec implements WorkflowCodec {
  static final StandardCodec INSTANCE = new StandardCodec(null);

  private static final byte NULL = 0;
  private static final byte STRING = 1;
  private static final byte INT = 2;
  private static final byte LONG = 3;
  private static final byte BOOLEAN = 4;
  private static final byte DOUBLE = 5;
  private static final byte BYTES = 6;
  private static final byte SERIALIZED = 7;

  /** What Java serialization may read: null leaves the stream the JVM's filter (if any). */
  private final ObjectInputFilter filter;

  StandardCodec(ObjectInputFilter filter) {
    this.filter = filter;
  }

  @Override
  public byte[] encode(Object value) {
    if (value == null) {
      return new byte[] {NULL};
    }
    if (value instanceof String) {
      return tagged(STRING, ((String) value).getBytes(StandardCharsets.UTF_8));
    }
    if (value instanceof Integer) {
      return tagged(INT, ByteBuffer.allocate(4).putInt((Integer) value).array());
    }
    if (value instanceof Long) {
      return tagged(LONG, ByteBuffer.allocate(8).putLong((Long) value).array());
    }
    if (value instanceof Boolean) {
      return new byte[] {BOOLEAN, (byte) ((Boolean) value ? 1 : 0)};
    }
    if (value instanceof Double) {
      return tagged(DOUBLE, ByteBuffer.allocate(8).putDouble((Double) value).array());
    }
    if (value instanceof byte[]) {
      return tagged(BYTES, (byte[]) value);
    }
    if (!(value instanceof Serializable)) {
      throw new WorkflowException("codec-failed", "the standard workflow codec cannot encode a "
          + value.getClass().getName() + ": it must be a String, a boxed primitive, byte[] or Serializable");
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(SERIALIZED);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    } catch (IOException e) {
      throw new WorkflowException("codec-failed", "cannot serialize a " + value.getClass().getName() + ": " + e, e);
    }
    return bytes.toByteArray();
  }

  private static byte[] tagged(byte tag, byte[] body) {
    byte[] out = new byte[body.length + 1];
    out[0] = tag;
    System.arraycopy(body, 0, out, 1, body.length);
    return out;
  }

  @Override
  public Object decode(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new WorkflowException("codec-failed", "cannot decode an empty value: the standard codec needs a tag byte");
    }
    byte[] body = Arrays.copyOfRange(bytes, 1, bytes.length);
    switch (bytes[0]) {
      case NULL:
        checkLength(bytes, "null", 0);
        return null;
      case STRING:
        return new String(body, StandardCharsets.UTF_8);
      case INT:
        checkLength(bytes, "an Integer", 4);
        return ByteBuffer.wrap(body).getInt();
      case LONG:
        checkLength(bytes, "a Long", 8);
        return ByteBuffer.wrap(body).getLong();
      case BOOLEAN:
        checkLength(bytes, "a Boolean", 1);
        return body[0] != 0;
      case DOUBLE:
        checkLength(bytes, "a Double", 8);
        return ByteBuffer.wrap(body).getDouble();
      case BYTES:
        return body;
      case SERIALIZED:
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(body))) {
          if (filter != null) {
            in.setObjectInputFilter(filter);
          }
          return in.readObject();
        } catch (IOException | ClassNotFoundException e) {
          throw new WorkflowException("codec-failed", "cannot deserialize a workflow value: " + e, e);
        }
      default:
        throw new WorkflowException("codec-failed", "unknown tag " + bytes[0] + " of the standard workflow codec");
    }
  }

  /** Refuses a value whose body is not the {@code size} bytes its tag says (damaged, or not this codec's). */
  private static void checkLength(byte[] bytes, String what, int size) {
    if (bytes.length != size + 1) {
      throw new WorkflowException("codec-failed", "cannot decode " + what + " of the standard workflow codec from "
          + (bytes.length - 1) + " byte(s) after its tag: it takes " + size);
    }
  }
}
