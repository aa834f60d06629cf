package dev.faultline.jackson;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.workflow.WorkflowCodec;
import dev.faultline.state.workflow.WorkflowException;
import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowHandle;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Values round-trip through JSON with their types; bytes that are not such a value fail naming why. */
class JacksonWorkflowCodecTest {

  /** A step result. */
  public record Item(String sku, int quantity, long priceCents) {}

  /** A workflow input with generic containers of records. */
  public record Order(long id, List<Item> items, Map<String, Item> bySku, Set<String> tags, BigDecimal total) {}

  /** A generic record. */
  public record Page<T>(List<T> items, int total) {}

  /** A bean with a no-argument constructor. */
  public static final class Customer {
    public String name;
    public List<Order> orders = new ArrayList<>();

    @Override
    public boolean equals(Object o) {
      return o instanceof Customer c && c.name.equals(name) && c.orders.equals(orders);
    }

    @Override
    public int hashCode() {
      return name.hashCode();
    }
  }

  /** Not allowed: another package's record stands for any class the application did not allow. */
  public record Unlisted(String x) {}

  private final JacksonWorkflowCodec codec = JacksonWorkflowCodec.builder().allowType(Item.class)
      .allowType(Order.class).allowType(Page.class).allowType(Customer.class).build();

  private Object roundTrip(Object value) {
    return codec.decode(codec.encode(value));
  }

  @Test
  void scalarsKeepTheirTypes() {
    for (Object v : new Object[] {null, "text \u00e9 \ud83d\ude00", 7, 7L, (short) 3, (byte) 2, 2.5, 2.5f, true, 'c',
        new BigDecimal("12.3400"), new BigInteger("123456789012345678901234567890"), Long.MIN_VALUE}) {
      Object back = roundTrip(v);
      assertEquals(v, back, () -> "round trip of " + v);
      if (v != null) {
        assertEquals(v.getClass(), back.getClass(), () -> "type of " + v);
      }
    }
    assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) roundTrip(new byte[] {1, 2, 3}));
    assertArrayEquals(new long[] {4, 5}, (long[]) roundTrip(new long[] {4, 5}));
  }

  @Test
  void recordsBeansAndGenericContainersRoundTrip() {
    Item a = new Item("a-1", 2, 1999);
    Item b = new Item("b-2", 1, 500);
    Order order = new Order(7, List.of(a, b), new TreeMap<>(Map.of("a-1", a, "b-2", b)), Set.of("gift"),
        new BigDecimal("44.98"));
    assertEquals(order, roundTrip(order));
    List<Item> items = new ArrayList<>(List.of(a, b));
    Object backItems = roundTrip(items);
    assertEquals(items, backItems);
    assertInstanceOf(Item.class, ((List<?>) backItems).get(0), "elements keep their record type");
    Map<String, List<Item>> grouped = new LinkedHashMap<>();
    grouped.put("x", List.of(a));
    grouped.put("y", List.of(b, a));
    assertEquals(grouped, roundTrip(grouped));
    Page<Item> page = new Page<>(List.of(a, b), 2);
    assertEquals(page, roundTrip(page), "a generic record keeps its element type");
    Customer c = new Customer();
    c.name = "Ada";
    c.orders.add(order);
    assertEquals(c, roundTrip(c));
    List<Object> mixed = List.of(1, 2L, "three", 4.0, List.of(5L), a);
    assertEquals(mixed, roundTrip(mixed), "Integer and Long stay apart inside a list");
  }

  @Test
  void aMapWhoseKeysWouldNotReadBackIsRefusedOnEncode() {
    // JSON keys are strings: without a declared key type, 1L would be read back as "1" (get(1L) would find nothing).
    for (Map<?, ?> map : List.of(new HashMap<>(Map.of(1L, "a")), Map.of(2, "b"),
        new LinkedHashMap<>(Map.of(TimeUnit.SECONDS, "c")))) {
      WorkflowException e = assertThrows(WorkflowException.class, () -> codec.encode(map), map::toString);
      assertEquals("codec-failed", e.code());
      assertTrue(e.getMessage().contains(map.keySet().iterator().next().getClass().getName()), e.getMessage());
    }
    assertEquals(Map.of("x", 1L), roundTrip(new HashMap<>(Map.of("x", 1L))), "string keys are fine");
    EnumMap<TimeUnit, Long> byUnit = new EnumMap<>(Map.of(TimeUnit.SECONDS, 1L));
    assertEquals(byUnit, roundTrip(byUnit), "an EnumMap's type id names its key type");
  }

  @Test
  void aSortedCollectionWithAComparatorIsRefusedOnEncode() {
    // JSON carries no comparator: such a map or set would be read back in natural order (or fail if its elements are
    // not Comparable), so a descending TreeMap resumed ascending and a case-insensitive set became case-sensitive.
    TreeMap<String, Long> descending = new TreeMap<>(java.util.Comparator.reverseOrder());
    descending.put("a", 1L);
    descending.put("b", 2L);
    java.util.TreeSet<String> caseInsensitive = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    caseInsensitive.add("Gift");
    for (Object value : List.<Object>of(descending, new ArrayList<>(List.of(caseInsensitive)))) {
      WorkflowException e = assertThrows(WorkflowException.class, () -> codec.encode(value), value::toString);
      assertEquals("codec-failed", e.code());
      assertTrue(e.getMessage().contains("comparator"), e.getMessage());
    }
    TreeMap<String, Long> natural = new TreeMap<>(Map.of("a", 1L, "b", 2L));
    assertEquals(natural, roundTrip(natural), "natural order is what is read back: fine");
    java.util.TreeSet<String> naturalSet = new java.util.TreeSet<>(Set.of("x", "y"));
    assertEquals(naturalSet, roundTrip(naturalSet));
  }

  @Test
  void theFormatIsJsonWithTypeIds() {
    String json = new String(codec.encode(new Item("a", 1, 2)), StandardCharsets.UTF_8);
    assertEquals("[\"" + Item.class.getName() + "\",{\"sku\":\"a\",\"quantity\":1,\"priceCents\":2}]", json);
    assertEquals("[\"java.util.ArrayList\",[[\"java.lang.Long\",2],3]]",
        new String(codec.encode(new ArrayList<>(List.of(2L, 3))), StandardCharsets.UTF_8));
  }

  @Test
  void undecodableBytesFailWithCodecFailed() {
    for (byte[] bad : List.of(new byte[0], new byte[] {1, 'a', 'b'}, "{\"x\":".getBytes(StandardCharsets.UTF_8),
        "5 6".getBytes(StandardCharsets.UTF_8), WorkflowCodec.standard().encode("standard"))) {
      WorkflowException e = assertThrows(WorkflowException.class, () -> codec.decode(bad));
      assertEquals("codec-failed", e.code());
      assertTrue(e.getMessage().contains("Jackson workflow codec cannot decode"), e.getMessage());
    }
    assertEquals("codec-failed", assertThrows(WorkflowException.class, () -> codec.decode(null)).code());
  }

  @Test
  void typesThatWereNotAllowedAreNeitherDecodedNorWritten() {
    WorkflowException read = assertThrows(WorkflowException.class, () -> codec.decode(
        "[\"java.lang.ProcessBuilder\",{\"command\":[\"sh\"]}]".getBytes(StandardCharsets.UTF_8)));
    assertTrue(read.getMessage().contains("java.lang.ProcessBuilder"), read.getMessage());
    WorkflowException byName = assertThrows(WorkflowException.class, () -> codec.decode(
        "[\"com.evil.NotEvenOnTheClassPath\",{}]".getBytes(StandardCharsets.UTF_8)));
    assertTrue(byName.getMessage().contains("com.evil.NotEvenOnTheClassPath") && byName.getMessage().contains("denied"),
        "refused by its name, before any class is looked up: " + byName.getMessage());
    WorkflowException write = assertThrows(WorkflowException.class, () -> codec.encode(new Unlisted("x")));
    assertEquals("codec-failed", write.code());
    assertTrue(write.getMessage().contains("would not read back") && write.getMessage().contains("Unlisted"),
        write.getMessage());
    JacksonWorkflowCodec unverified = JacksonWorkflowCodec.builder().verifyOnEncode(false).build();
    byte[] written = unverified.encode(new Unlisted("x"));
    assertEquals("codec-failed", assertThrows(WorkflowException.class, () -> unverified.decode(written)).code());
    JacksonWorkflowCodec byPackage = JacksonWorkflowCodec.builder().allowPackage("dev.faultline.jackson").build();
    assertEquals(new Unlisted("x"), byPackage.decode(byPackage.encode(new Unlisted("x"))));
  }

  @Test
  void settingsAreChecked() {
    assertEquals("allowPackage", assertThrows(ConfigurationException.class,
        () -> JacksonWorkflowCodec.builder().allowPackage("com.acme.")).field());
    assertEquals("allowPackage", assertThrows(ConfigurationException.class,
        () -> JacksonWorkflowCodec.builder().allowPackage(" ")).field());
  }

  /** The codec in a durable workflow: inputs, step results and outputs survive a restart of the executor. */
  @Test
  void aWorkflowRecordsAndReadsBackTypedValues(@TempDir Path dir) throws Exception {
    FakeClock clock = new FakeClock();
    Order order = new Order(1, List.of(new Item("a", 1, 100)), Map.of(), Set.of(), BigDecimal.ONE);
    try (WorkflowExecutor executor = WorkflowExecutor.builder(dir).clock(clock).scheduler(clock).codec(codec)
        .register("price", (dev.faultline.state.workflow.WorkflowContext ctx, Order in) -> {
          List<Item> doubled = ctx.step("double", () -> {
            List<Item> out = new ArrayList<>();
            for (Item i : in.items()) {
              out.add(new Item(i.sku(), i.quantity() * 2, i.priceCents()));
            }
            return out;
          });
          return new Page<>(doubled, doubled.size());
        }).open()) {
      WorkflowHandle<Page<Item>> handle = executor.start("price", "order-1", order);
      assertEquals(new Page<>(List.of(new Item("a", 2, 100)), 1), handle.result().get(30, TimeUnit.SECONDS));
    }
    try (WorkflowExecutor reopened = WorkflowExecutor.builder(dir).clock(clock).scheduler(clock).codec(codec)
        .register("price", (dev.faultline.state.workflow.WorkflowContext ctx, Order in) -> new Page<Item>(List.of(), 0)).open()) {
      WorkflowHandle<Page<Item>> handle = reopened.handle("order-1");
      assertEquals(new Page<>(List.of(new Item("a", 2, 100)), 1), handle.result().get(30, TimeUnit.SECONDS),
          "the stored output decodes to its record and element type");
    }
  }
}
