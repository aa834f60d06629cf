package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import java.io.ObjectInputFilter;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The standard codec refuses bytes that are not one of its values with {@code codec-failed}, and reads Java
 * serialization through the filter it is given. Regression tests: a tagged value cut short failed with a
 * {@code BufferUnderflowException} or {@code ArrayIndexOutOfBoundsException} naming nothing, and there was no way to
 * restrict what serialization may create for workflows alone.
 */
class StandardCodecTest {

  record Order(String id, int quantity) implements Serializable {}

  @Test
  void aTaggedValueOfTheWrongLengthIsACodecFailureNamingIt() {
    WorkflowCodec codec = WorkflowCodec.standard();
    for (Object value : List.of(42, 42L, true, 4.2)) {
      byte[] full = codec.encode(value);
      byte[] cut = java.util.Arrays.copyOf(full, full.length - 1);
      WorkflowException e = assertThrows(WorkflowException.class, () -> codec.decode(cut), value.toString());
      assertEquals("codec-failed", e.code());
      assertTrue(e.getMessage().contains((full.length - 2) + " byte(s) after its tag"), e.getMessage());
      byte[] longer = java.util.Arrays.copyOf(full, full.length + 1);
      assertEquals("codec-failed", assertThrows(WorkflowException.class, () -> codec.decode(longer)).code());
    }
    assertEquals("codec-failed", assertThrows(WorkflowException.class, () -> codec.decode(new byte[] {0, 1}))
        .code(), "null has no body");
  }

  @Test
  void aFilterDecidesWhatSerializationMayReadAndTheTaggedTypesNeedNone() {
    ObjectInputFilter onlyOrders = ObjectInputFilter.Config.createFilter(Order.class.getName() + ";java.base/*;!*");
    WorkflowCodec filtered = WorkflowCodec.standard(onlyOrders);
    WorkflowCodec plain = WorkflowCodec.standard();
    Order order = new Order("o-1", 3);
    assertEquals(order, filtered.decode(plain.encode(order)));
    ArrayList<String> list = new ArrayList<>(List.of("a", "b"));
    assertEquals(list, filtered.decode(plain.encode(list)), "java.base is allowed by that filter");
    assertArrayEquals(new byte[] {1, 2}, (byte[]) filtered.decode(plain.encode(new byte[] {1, 2})));

    WorkflowCodec strict = WorkflowCodec.standard(ObjectInputFilter.Config.createFilter("java.base/*;!*"));
    WorkflowException e = assertThrows(WorkflowException.class, () -> strict.decode(plain.encode(order)));
    assertEquals("codec-failed", e.code());
    assertTrue(e.getMessage().contains("InvalidClassException"), e.getMessage());
    assertEquals("o-1", strict.decode(plain.encode("o-1")), "a string is not serialized");

    WorkflowCodec shallow = WorkflowCodec.standard(ObjectInputFilter.Config.createFilter("maxdepth=2"));
    List<Object> nested = new ArrayList<>(List.of(new ArrayList<>(List.of(new ArrayList<>(List.of("deep"))))));
    assertEquals("codec-failed", assertThrows(WorkflowException.class,
        () -> shallow.decode(plain.encode(nested))).code());

    assertEquals("filter", assertThrows(ConfigurationException.class, () -> WorkflowCodec.standard(null)).field());
  }
}
