package dev.faultline.jackson;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.jsontype.PolymorphicTypeValidator;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import com.fasterxml.jackson.databind.ser.BeanSerializerModifier;
import com.fasterxml.jackson.databind.ser.ContextualSerializer;
import com.fasterxml.jackson.databind.ser.ResolvableSerializer;
import com.fasterxml.jackson.databind.type.CollectionType;
import com.fasterxml.jackson.databind.type.MapType;
import dev.faultline.core.ConfigurationException;
import dev.faultline.state.workflow.WorkflowCodec;
import dev.faultline.state.workflow.WorkflowException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.function.Consumer;

/**
 * A {@link WorkflowCodec} that writes workflow inputs, step results and outputs as JSON with Jackson, each value with
 * its Java type, so that records, beans and generic containers of them ({@code List<Order>},
 * {@code Map<String, Item>}) decode to values equal to those encoded; thread-safe (an {@link ObjectMapper} once
 * configured is).
 *
 * <p><b>Format.</b> UTF-8 JSON with Jackson's default typing for every value ({@code As.WRAPPER_ARRAY}): a value
 * whose type neither JSON nor its declaration says is written as {@code ["<class name>", <value>]}, for example
 * {@code ["com.acme.Order",{"id":7,"items":["java.util.ArrayList",[["com.acme.Item",{...}]]]}]} for a record with a
 * {@code long id} and a {@code List<Item> items}, or {@code ["java.lang.Long",2]} for a {@code Long} in a list;
 * strings, booleans, {@code int}s and {@code double}s stand alone. Renaming a class therefore changes which bytes it
 * reads.
 *
 * <p><b>Allowed types.</b> Decoding a class named in stored bytes is a classic deserialization risk, so only these
 * types are decoded: {@code String}, the boxed primitives, {@code BigDecimal}, {@code BigInteger}, arrays, the
 * {@code java.util} collections and maps, and the classes and packages {@linkplain Builder#allowType allowed} or
 * {@linkplain Builder#allowPackage allowed}. Every other type in stored bytes fails with an error naming it.
 * By default {@link #encode} checks that what it wrote decodes again ({@link Builder#verifyOnEncode}), so that a value
 * that could not be read back is refused when a step records it rather than when a crashed workflow resumes.
 * Whatever that setting, values that JSON would read back different are refused on encode: a map key that is not a
 * {@code String} where the key type is not declared, and a sorted map or set (or priority queue) with a comparator.
 *
 * <p>Errors are {@link WorkflowException}s with code {@code codec-failed} naming the type or the JSON problem.
 */
public final class JacksonWorkflowCodec implements WorkflowCodec {
  private final ObjectMapper mapper;
  private final boolean verifyOnEncode;

  private JacksonWorkflowCodec(ObjectMapper mapper, boolean verifyOnEncode) {
    this.mapper = mapper;
    this.verifyOnEncode = verifyOnEncode;
  }

  /** A builder: no application types allowed yet, values verified on encode; not thread-safe. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public byte[] encode(Object value) {
    byte[] bytes;
    try {
      bytes = mapper.writeValueAsBytes(value);
    } catch (IOException | RuntimeException e) {
      throw new WorkflowException("codec-failed", "the Jackson workflow codec cannot encode a "
          + (value == null ? "null" : value.getClass().getName()) + ": " + firstLine(e), e);
    }
    if (verifyOnEncode) {
      try {
        read(bytes);
      } catch (IOException | RuntimeException e) {
        throw new WorkflowException("codec-failed", "the Jackson workflow codec would not read back the "
            + (value == null ? "null" : value.getClass().getName()) + " it wrote: " + firstLine(e), e);
      }
    }
    return bytes;
  }

  @Override
  public Object decode(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new WorkflowException("codec-failed", "the Jackson workflow codec cannot decode "
          + (bytes == null ? "null" : "no bytes") + ": a value is at least one JSON token");
    }
    try {
      return read(bytes);
    } catch (IOException | RuntimeException e) {
      throw new WorkflowException("codec-failed", "the Jackson workflow codec cannot decode these " + bytes.length
          + " bytes (were they written by another codec?): " + firstLine(e), e);
    }
  }

  private Object read(byte[] bytes) throws IOException {
    return mapper.readValue(bytes, Object.class);
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int cut = m.indexOf('\n');
    return cut < 0 ? m : m.substring(0, cut);
  }

  /** Decides which class names in stored bytes may be decoded; immutable and thread-safe. */
  private static final class AllowedTypes extends PolymorphicTypeValidator.Base {
    private static final long serialVersionUID = 1L;
    private static final Set<Class<?>> SCALARS = Set.of(String.class, Integer.class, Long.class, Short.class,
        Byte.class, Double.class, Float.class, Boolean.class, Character.class, BigDecimal.class, BigInteger.class);

    private static final Set<String> SCALAR_NAMES = names(SCALARS);

    private final List<String> packages;
    private final Set<Class<?>> types;
    private final Set<String> typeNames;

    AllowedTypes(List<String> packages, Set<Class<?>> types) {
      this.packages = packages;
      this.types = types;
      this.typeNames = names(types);
    }

    private static Set<String> names(Set<Class<?>> classes) {
      Set<String> out = new LinkedHashSet<>();
      classes.forEach(c -> out.add(c.getName()));
      return Set.copyOf(out);
    }

    @Override
    public Validity validateBaseType(MapperConfig<?> config, JavaType baseType) {
      return Validity.INDETERMINATE;
    }

    /**
     * Decides by name, before any class is loaded, so that stored bytes cannot make the JVM load (and initialize)
     * a class outside the allowed ones; {@code java.util} names and arrays are decided on their class below.
     */
    @Override
    public Validity validateSubClassName(MapperConfig<?> config, JavaType baseType, String subClassName) {
      if (subClassName.startsWith("java.util.") || subClassName.startsWith("[")) {
        return Validity.INDETERMINATE;
      }
      if (SCALAR_NAMES.contains(subClassName) || typeNames.contains(subClassName)) {
        return Validity.ALLOWED;
      }
      for (String p : packages) {
        if (subClassName.startsWith(p)) {
          return Validity.ALLOWED;
        }
      }
      return Validity.DENIED;
    }

    @Override
    public Validity validateSubType(MapperConfig<?> config, JavaType baseType, JavaType subType) {
      Class<?> c = subType.getRawClass();
      if (c.isArray() || SCALARS.contains(c) || types.contains(c)) {
        return Validity.ALLOWED;
      }
      String name = c.getName();
      if (name.startsWith("java.util.") && (Collection.class.isAssignableFrom(c) || Map.class.isAssignableFrom(c))) {
        return Validity.ALLOWED;
      }
      for (String p : packages) {
        if (name.startsWith(p)) {
          return Validity.ALLOWED;
        }
      }
      return Validity.DENIED;
    }
  }

  /**
   * Refuses a map key that is not a {@code String} where the key type is not declared (a map as the value itself, or
   * inside a list or another untyped map): JSON keys are strings and carry no type id, so such a key would be read
   * back as a {@code String} ({@code 1L} as {@code "1"}) and the map would no longer find it. Keys of a declared type
   * ({@code Map<Long, Item>} in a record, an {@code EnumMap}) are read back with that type and are left alone.
   */
  private static final class StringKeysOnly extends BeanSerializerModifier {
    private static final long serialVersionUID = 1L;

    @Override
    public JsonSerializer<?> modifyKeySerializer(SerializationConfig config, JavaType keyType,
        BeanDescription description, JsonSerializer<?> serializer) {
      if (keyType.getRawClass() != Object.class) {
        return serializer;
      }
      @SuppressWarnings("unchecked")
      JsonSerializer<Object> delegate = (JsonSerializer<Object>) serializer;
      return new JsonSerializer<Object>() {
        @Override
        public void serialize(Object key, JsonGenerator gen, SerializerProvider provider) throws IOException {
          if (!(key instanceof String)) {
            provider.reportMappingProblem("a map key of type %s would be read back as a String (JSON keys carry no"
                + " type); use String keys, or declare the key type in a record or bean field", key == null ? "null"
                : key.getClass().getName());
          }
          delegate.serialize(key, gen, provider);
        }
      };
    }
  }

  /**
   * Refuses a sorted map or set, or a priority queue, that has a comparator: JSON carries no comparator, so it would be
   * read back in natural order (a descending {@code TreeMap} ascending, a case-insensitive {@code TreeSet}
   * case-sensitive), or not at all when its elements are not {@code Comparable}. Those in natural order are left alone.
   */
  private static final class NaturalOrderOnly extends BeanSerializerModifier {
    private static final long serialVersionUID = 1L;

    @Override
    public JsonSerializer<?> modifyMapSerializer(SerializationConfig config, MapType valueType,
        BeanDescription description, JsonSerializer<?> serializer) {
      return SortedMap.class.isAssignableFrom(valueType.getRawClass()) ? new Checked(serializer) : serializer;
    }

    @Override
    public JsonSerializer<?> modifyCollectionSerializer(SerializationConfig config, CollectionType valueType,
        BeanDescription description, JsonSerializer<?> serializer) {
      Class<?> c = valueType.getRawClass();
      return SortedSet.class.isAssignableFrom(c) || PriorityQueue.class.isAssignableFrom(c)
          || PriorityBlockingQueue.class.isAssignableFrom(c) ? new Checked(serializer) : serializer;
    }

    private static Comparator<?> comparator(Object value) {
      if (value instanceof SortedMap<?, ?> m) {
        return m.comparator();
      } else if (value instanceof SortedSet<?> s) {
        return s.comparator();
      } else if (value instanceof PriorityQueue<?> q) {
        return q.comparator();
      } else if (value instanceof PriorityBlockingQueue<?> q) {
        return q.comparator();
      }
      return null;
    }

    /** Checks the value, then writes it with Jackson's own serializer (kept contextual and resolvable). */
    private static final class Checked extends JsonSerializer<Object> implements ContextualSerializer,
        ResolvableSerializer {
      private final JsonSerializer<Object> delegate;

      @SuppressWarnings("unchecked")
      Checked(JsonSerializer<?> delegate) {
        this.delegate = (JsonSerializer<Object>) delegate;
      }

      private static void check(Object value, SerializerProvider provider) throws IOException {
        Comparator<?> comparator = comparator(value);
        if (comparator != null) {
          provider.reportMappingProblem("a %s with a comparator (%s) would be read back in natural order (JSON"
              + " carries no comparator); use one in natural order, or a List", value.getClass().getName(),
              comparator.getClass().getName());
        }
      }

      @Override
      public void serialize(Object value, JsonGenerator gen, SerializerProvider provider) throws IOException {
        check(value, provider);
        delegate.serialize(value, gen, provider);
      }

      @Override
      public void serializeWithType(Object value, JsonGenerator gen, SerializerProvider provider,
          TypeSerializer typeSerializer) throws IOException {
        check(value, provider);
        delegate.serializeWithType(value, gen, provider, typeSerializer);
      }

      @Override
      public boolean isEmpty(SerializerProvider provider, Object value) {
        return delegate.isEmpty(provider, value);
      }

      @Override
      public Class<Object> handledType() {
        return delegate.handledType();
      }

      @Override
      public JsonSerializer<?> createContextual(SerializerProvider provider, BeanProperty property)
          throws JsonMappingException {
        JsonSerializer<?> contextual = delegate instanceof ContextualSerializer c
            ? c.createContextual(provider, property) : delegate;
        return contextual == delegate ? this : new Checked(contextual);
      }

      @Override
      public void resolve(SerializerProvider provider) throws JsonMappingException {
        if (delegate instanceof ResolvableSerializer r) {
          r.resolve(provider);
        }
      }
    }
  }

  /** Sets up a {@link JacksonWorkflowCodec}; not thread-safe. */
  public static final class Builder {
    private final List<String> packages = new ArrayList<>();
    private final Set<Class<?>> types = new LinkedHashSet<>();
    private final List<Consumer<? super ObjectMapper>> configurers = new ArrayList<>();
    private boolean verifyOnEncode = true;

    private Builder() {}

    /** Allows the classes of a package and its subpackages, such as {@code com.acme.orders}. */
    public Builder allowPackage(String packageName) {
      if (packageName == null || packageName.isBlank() || packageName.startsWith(".") || packageName.endsWith(".")) {
        throw new ConfigurationException("allowPackage", "be a package name such as com.acme.orders",
            String.valueOf(packageName));
      }
      packages.add(packageName.strip() + ".");
      return this;
    }

    /** Allows one class (and only that class, not its subclasses). */
    public Builder allowType(Class<?> type) {
      types.add(Objects.requireNonNull(type, "type"));
      return this;
    }

    /**
     * Configures the mapper further, for example {@code m -> m.registerModule(new JavaTimeModule())}; called in order
     * by {@link #build()} after the codec's own settings, which it must not undo.
     */
    public Builder configure(Consumer<? super ObjectMapper> configurer) {
      configurers.add(Objects.requireNonNull(configurer, "configurer"));
      return this;
    }

    /** Whether {@link #encode} decodes what it wrote, to refuse values it could not read back; default true. */
    public Builder verifyOnEncode(boolean verify) {
      this.verifyOnEncode = verify;
      return this;
    }

    /** The codec. */
    @SuppressWarnings("deprecation") // EVERYTHING: type ids for final classes too (records), which the codec needs.
    public JacksonWorkflowCodec build() {
      ObjectMapper mapper = new ObjectMapper();
      mapper.activateDefaultTyping(new AllowedTypes(List.copyOf(packages), Set.copyOf(types)),
          ObjectMapper.DefaultTyping.EVERYTHING, JsonTypeInfo.As.WRAPPER_ARRAY);
      mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
      mapper.registerModule(new SimpleModule("faultline-map-keys").setSerializerModifier(new StringKeysOnly()));
      mapper.registerModule(new SimpleModule("faultline-sort-order").setSerializerModifier(new NaturalOrderOnly()));
      for (Consumer<? super ObjectMapper> c : configurers) {
        c.accept(mapper);
      }
      return new JacksonWorkflowCodec(mapper, verifyOnEncode);
    }
  }
}
