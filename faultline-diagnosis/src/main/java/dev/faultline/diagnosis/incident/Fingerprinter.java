package dev.faultline.diagnosis.incident;

import dev.faultline.core.internal.Validate;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Computes the fingerprint of a failure: a hex SHA-256 prefix of its {@linkplain #signature signature}, the same for
 * every failure of one cause however it was reached; immutable and thread-safe.
 *
 * <p>The signature is made of, in order:
 * <ol>
 *   <li>the exception-type chain, outermost to root, following {@link Throwable#getCause()}, with wrapping exceptions
 *       (by default {@code ExecutionException}, {@code CompletionException}, {@code InvocationTargetException},
 *       {@code UndeclaredThrowableException}) left out when they have a cause;
 *   <li>the innermost {@link Builder#frames(int) frames} (default 1) normalised in-app frames of the root cause, as
 *       class and method without line numbers: generated proxy classes (Spring CGLIB, javassist, Hibernate, ByteBuddy,
 *       Mockito) stand for the class they proxy, anonymous-class indices are replaced by {@code $N}, lambda method
 *       suffixes (javac's and Kotlin's) are removed, and glue frames (lambda proxy classes, reflection accessors,
 *       {@code Method.invoke}, method handles, JDK dynamic proxies, synthetic {@code access$000} methods) are dropped.
 *       When any frame lies in one of the {@link Builder#inAppPackages(List) in-app packages}, frames outside them
 *       are ignored; with no in-app package configured, every frame outside the JDK and language runtimes is in-app;
 *       frames matching a {@link Builder#notInApp(List) not-in-app prefix} never are;
 *   <li>only when the root cause has no stack trace: its message, {@linkplain #parameterise parameterised}.
 * </ol>
 * Taking the frames at the throw site, rather than the whole stack, groups one cause reached through different call
 * paths; leaving out line numbers and messages keeps the grouping across releases and varying data. Its price: two
 * causes thrown by one helper of the application (a precondition check, say) share a throw site and merge unless the
 * helper is declared {@linkplain Builder#notInApp(List) not in-app}, and a stackless message whose variable part is a
 * word rather than a number, id or address splits by that word.
 */
public final class Fingerprinter {
  /** The wrapping exception types unwrapped by default. */
  public static final List<String> DEFAULT_WRAPPERS = List.of(
      "java.util.concurrent.ExecutionException",
      "java.util.concurrent.CompletionException",
      "java.lang.reflect.InvocationTargetException",
      "java.lang.reflect.UndeclaredThrowableException");

  /** Number of hex digits of a fingerprint: the first 128 bits of the SHA-256 digest. */
  public static final int LENGTH = 32;

  private static final List<String> RUNTIME_PACKAGES = List.of(
      "java.", "javax.", "jdk.", "sun.", "com.sun.", "kotlin.", "scala.");

  private static final Fingerprinter DEFAULTS = builder().build();

  private final List<String> inAppPackages;
  private final List<String> notInApp;
  private final Set<String> wrappers;
  private final int frames;

  private Fingerprinter(Builder b) {
    this.inAppPackages = List.copyOf(b.inAppPackages);
    this.notInApp = List.copyOf(b.notInApp);
    this.wrappers = Set.copyOf(b.wrappers);
    this.frames = b.frames;
  }

  /** The fingerprinter with default settings: no in-app packages configured, default wrappers, one frame. */
  public static Fingerprinter defaults() {
    return DEFAULTS;
  }

  /** A builder with default settings; not thread-safe. */
  public static Builder builder() {
    return new Builder();
  }

  /** The fingerprint of {@code failure}: {@value #LENGTH} lower-case hex digits. */
  public String fingerprint(Throwable failure) {
    return hash(signature(failure));
  }

  /** The hex SHA-256 prefix of the signature lines joined by newlines, as {@link #fingerprint} computes it. */
  static String hash(List<String> signature) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
    byte[] bytes = digest.digest(String.join("\n", signature).getBytes(StandardCharsets.UTF_8));
    StringBuilder hex = new StringBuilder(LENGTH);
    for (int i = 0; i < LENGTH / 2; i++) {
      hex.append(Character.forDigit((bytes[i] >> 4) & 0xF, 16)).append(Character.forDigit(bytes[i] & 0xF, 16));
    }
    return hex.toString();
  }

  /**
   * The lines the fingerprint is computed from: {@code type <class>} for each exception of the chain, then
   * {@code frame <class>.<method>} for each frame kept, or {@code message <text>} when the root cause has no stack.
   */
  public List<String> signature(Throwable failure) {
    Validate.notNull("failure", failure);
    List<Throwable> chain = chain(failure);
    List<String> lines = new ArrayList<>();
    for (Throwable t : chain) {
      lines.add("type " + normaliseClass(t.getClass().getName()));
    }
    Throwable root = chain.get(chain.size() - 1);
    StackTraceElement[] stack = root.getStackTrace();
    if (stack.length == 0) {
      lines.add("message " + parameterise(root.getMessage() == null ? "" : root.getMessage()));
      return lines;
    }
    for (String frame : selectFrames(stack)) {
      lines.add("frame " + frame);
    }
    return lines;
  }

  /** The exception chain, outermost to root, without wrappers that have a cause; a cause cycle ends the chain. */
  List<Throwable> chain(Throwable failure) {
    List<Throwable> all = new ArrayList<>();
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
      all.add(t);
    }
    List<Throwable> kept = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      boolean hasCause = i + 1 < all.size();
      if (!(hasCause && wrappers.contains(all.get(i).getClass().getName()))) {
        kept.add(all.get(i));
      }
    }
    return kept;
  }

  /** The root cause of {@code failure} after unwrapping, as used by the signature. */
  Throwable root(Throwable failure) {
    List<Throwable> chain = chain(failure);
    return chain.get(chain.size() - 1);
  }

  private List<String> selectFrames(StackTraceElement[] stack) {
    List<String> all = new ArrayList<>();
    List<String> inApp = new ArrayList<>();
    String previous = null;
    String previousInApp = null;
    for (StackTraceElement e : stack) {
      String cls = e.getClassName();
      String method = e.getMethodName();
      if (isGlue(cls, method)) {
        continue;
      }
      String frame = normaliseClass(cls) + "." + normaliseMethod(method);
      if (!frame.equals(previous)) {
        all.add(frame);
        previous = frame;
      }
      if (isInApp(cls, method) && !frame.equals(previousInApp)) {
        inApp.add(frame);
        previousInApp = frame;
      }
    }
    List<String> chosen = inApp.isEmpty() ? all : inApp;
    return chosen.subList(0, Math.min(frames, chosen.size()));
  }

  private boolean isInApp(String cls, String method) {
    if (!notInApp.isEmpty()) {
      String qualified = cls + "." + method;
      for (String p : notInApp) {
        if (qualified.startsWith(p)) {
          return false;
        }
      }
    }
    if (inAppPackages.isEmpty()) {
      for (String p : RUNTIME_PACKAGES) {
        if (cls.startsWith(p)) {
          return false;
        }
      }
      return true;
    }
    for (String p : inAppPackages) {
      if (cls.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  private static final Pattern ACCESSOR = Pattern.compile("access\\$\\d+");
  private static final Pattern REFLECTION_ACCESSOR =
      Pattern.compile("(^|\\.)Generated(Serialization)?(Method|Constructor)Accessor\\d*$");
  private static final Pattern DYNAMIC_PROXY = Pattern.compile("(^|\\.)\\$Proxy\\d+$");

  /** Whether a frame is generated glue between real methods, left out of the signature. */
  static boolean isGlue(String cls, String method) {
    return cls.startsWith("jdk.internal.reflect.")
        || cls.startsWith("sun.reflect.")
        || cls.startsWith("java.lang.invoke.")
        || (cls.equals("java.lang.reflect.Method") && method.equals("invoke"))
        || (cls.equals("java.lang.reflect.Constructor") && method.equals("newInstance"))
        || REFLECTION_ACCESSOR.matcher(cls).find()
        || DYNAMIC_PROXY.matcher(cls).find()
        || cls.contains("$$Lambda")
        || cls.contains("$$FastClassBy")
        || ACCESSOR.matcher(method).matches();
  }

  private static final String[] PROXY_MARKERS = {
    "$$EnhancerBy", "$$SpringCGLIB$$", "$$FastClassBy", "$$CGLIB$$", "_$$_jvst", "$HibernateProxy$", "$ByteBuddy$",
    "$MockitoMock$", "$$Lambda"
  };
  private static final Pattern ANONYMOUS = Pattern.compile("\\$\\d+(?=\\$|$)");

  /** A class name with generated-proxy suffixes cut off and anonymous-class indices replaced by {@code $N}. */
  static String normaliseClass(String cls) {
    String name = cls;
    for (String marker : PROXY_MARKERS) {
      int at = name.indexOf(marker);
      if (at > 0) {
        name = name.substring(0, at);
      }
    }
    return ANONYMOUS.matcher(name).replaceAll("\\$N");
  }

  private static final Pattern LAMBDA_METHOD = Pattern.compile("(lambda\\$.*?)\\$\\d+$");
  /** Kotlin's lambda body methods: {@code run$lambda$0} (indy lambdas, Kotlin 2) or {@code run$lambda-0} (1.x). */
  private static final Pattern KOTLIN_LAMBDA_INDEX = Pattern.compile("(?<=\\$lambda)[$-]\\d+(?=\\$|$)");

  /**
   * A method name with the indices of lambda bodies removed: javac's {@code lambda$run$3} becomes {@code lambda$run},
   * Kotlin's {@code run$lambda$0} and {@code run$lambda-0} become {@code run$lambda}.
   */
  static String normaliseMethod(String method) {
    Matcher m = LAMBDA_METHOD.matcher(method);
    if (m.matches()) {
      return m.group(1);
    }
    return method.contains("$lambda") ? KOTLIN_LAMBDA_INDEX.matcher(method).replaceAll("") : method;
  }

  /**
   * A double-quoted string, or a single-quoted one whose opening quote does not follow a letter or digit: the
   * apostrophe of {@code can't} or {@code l'adresse} opens nothing.
   */
  private static final Pattern QUOTED = Pattern.compile("\"[^\"]*\"|(?<![\\p{L}\\p{N}_])'[^']*'");
  private static final Pattern UUID =
      Pattern.compile("\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b");
  private static final Pattern IPV4 = Pattern.compile("\\b(?:\\d{1,3}\\.){3}\\d{1,3}(?::\\d{1,5})?\\b");
  /** Hex groups and colons with a "::" or eight groups, and a digit among them. */
  private static final Pattern IPV6 = Pattern.compile("(?<![\\w:])(?=[0-9a-fA-F:]*\\d)"
      + "(?=[0-9a-fA-F:]*::|(?:[0-9a-fA-F]{1,4}:){7})[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}(?![\\w:])");
  /** Object.toString's identity hash after a class name and '@': 1 to 8 lower-case hex digits, a digit among them. */
  private static final Pattern ADDRESS = Pattern.compile("(?<=[\\w$]@)(?=[0-9a-f]{0,7}\\d)[0-9a-f]{1,8}\\b");
  private static final Pattern HEX = Pattern.compile("\\b0[xX][0-9a-fA-F]+\\b|\\b(?=[0-9a-fA-F]*\\d)[0-9a-fA-F]{8,}\\b");
  /**
   * A decimal number standing alone, or the digits that end a word ({@code order42}); a dot right after it joins it
   * to a version or name ({@code 1.2.3}, {@code so.6.1}) unless the dot ends a sentence (followed by nothing, a space
   * or punctuation).
   */
  private static final Pattern NUMBER = Pattern.compile(
      "(?<![\\w.])[-+]?\\d+(?:\\.\\d+)?(?!\\w|\\.\\w)|(?<=[^\\W\\d_])\\d+\\b");

  /**
   * A message with its variable parts replaced by tokens, in this order: quoted strings by {@code <str>} (an
   * apostrophe inside a word, as in {@code can't}, opens none), UUIDs by {@code <uuid>}, IP addresses (v4 with
   * optional port, v6) by {@code <ip>}, hex numbers ({@code 0x...}, eight or more hex digits with a digit among them,
   * or the identity hash of {@code Object.toString}, {@code Class@1b6d358}, whatever its length) by {@code <hex>}, and
   * decimal numbers by {@code <num>}.
   */
  public static String parameterise(String message) {
    Validate.notNull("message", message);
    String s = QUOTED.matcher(message).replaceAll("<str>");
    s = UUID.matcher(s).replaceAll("<uuid>");
    s = IPV4.matcher(s).replaceAll("<ip>");
    s = IPV6.matcher(s).replaceAll("<ip>");
    s = ADDRESS.matcher(s).replaceAll("<hex>");
    s = HEX.matcher(s).replaceAll("<hex>");
    return NUMBER.matcher(s).replaceAll("<num>");
  }

  /**
   * Builds a {@link Fingerprinter}; not thread-safe.
   */
  public static final class Builder {
    private List<String> inAppPackages = List.of();
    private List<String> notInApp = List.of();
    private Set<String> wrappers = new LinkedHashSet<>(DEFAULT_WRAPPERS);
    private int frames = 1;

    private Builder() {}

    /**
     * The package prefixes of the application's own code, for example {@code "com.acme."}; empty (the default) means
     * every class outside the JDK and language runtimes.
     */
    public Builder inAppPackages(List<String> prefixes) {
      Validate.notNull("inAppPackages", prefixes);
      for (String p : prefixes) {
        Validate.notBlank("inAppPackages[]", p);
      }
      this.inAppPackages = List.copyOf(prefixes);
      return this;
    }

    /**
     * Prefixes of {@code class.method} names that are never in-app, even inside an in-app package: typically the
     * application's own assertion and precondition helpers, whose frame says nothing about the cause, for example
     * {@code "com.acme.util.Preconditions."}. Default none.
     */
    public Builder notInApp(List<String> prefixes) {
      Validate.notNull("notInApp", prefixes);
      for (String p : prefixes) {
        Validate.notBlank("notInApp[]", p);
      }
      this.notInApp = List.copyOf(prefixes);
      return this;
    }

    /** The fully qualified names of the wrapping exception types to unwrap, replacing the defaults. */
    public Builder wrappers(List<String> classNames) {
      Validate.notNull("wrappers", classNames);
      for (String c : classNames) {
        Validate.notBlank("wrappers[]", c);
      }
      this.wrappers = new LinkedHashSet<>(classNames);
      return this;
    }

    /** How many in-app frames, innermost first, the signature keeps; at least 1, default 1. */
    public Builder frames(int count) {
      this.frames = Validate.atLeast("frames", count, 1);
      return this;
    }

    /** The fingerprinter with this builder's settings. */
    public Fingerprinter build() {
      return new Fingerprinter(this);
    }
  }
}
