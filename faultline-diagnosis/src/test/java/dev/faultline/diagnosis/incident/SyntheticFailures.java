package dev.faultline.diagnosis.incident;

import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * A generator of synthetic Java failures with known causes, for measuring how well fingerprints group them; not
 * thread-safe (one seeded {@link Random}).
 *
 * <p>Each {@link Cause} is one bug: an exception type thrown at one place in the application (possibly inside a
 * library called from there, or in a Hibernate/javassist/ByteBuddy proxy of an entity, or in a lambda body), with a
 * message template. Every {@link Sample} of a cause is that bug reached another way: a random call path of 1-6
 * application frames above the throw site with framework frames around them, Spring CGLIB proxies and reflective
 * invocation between them, lambda frames, random line numbers (another release), random JDK module versions, random
 * message values, and, half of the time, one or two layers of {@code ExecutionException}, {@code CompletionException},
 * {@code InvocationTargetException} or {@code UndeclaredThrowableException} around it. Causes are made to collide
 * where real bugs do: the same exception type from different methods of one class, the same method with different
 * exception types, the same entity proxy with different getters, and failures without a stack whose messages differ
 * only in their values from each other. Two kinds of cause are beyond a throw-site fingerprint and are included to
 * keep the measure honest: causes thrown by one shared helper, and stackless messages that vary by a word.
 */
final class SyntheticFailures {

  /** An application exception, used as a consistent wrapper by some causes. */
  static final class ServiceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ServiceException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** A failure and the label of its cause. */
  record Sample(Throwable failure, String label) {}

  /** How a cause is thrown. */
  enum Site { PLAIN, IN_LIBRARY, ENTITY_PROXY, LAMBDA, HELPER, NO_STACK }

  /** One bug. */
  record Cause(String label, Function<String, Throwable> type, Site site, String cls, String method,
      String messageTemplate, boolean serviceWrapped) {}

  private static final String APP = "com.acme.shop.";

  private static final String[] CALLERS = {
    APP + "web.OrderController.place", APP + "web.OrderController.cancel", APP + "web.CartController.checkout",
    APP + "web.AdminController.reindex", APP + "jobs.NightlyExport.run", APP + "jobs.ReminderJob.execute",
    APP + "order.OrderService.place", APP + "order.OrderService.cancel", APP + "order.CheckoutFlow.complete",
    APP + "customer.CustomerService.profile", APP + "customer.LoyaltyService.award",
    APP + "messaging.OrderEventsListener.onMessage", APP + "pricing.QuoteService.quote",
    APP + "report.SalesReport.render", APP + "inventory.StockService.reserve"
  };

  private static final String[] FRAMEWORK_TOP = {
    "org.springframework.web.servlet.FrameworkServlet.service", "org.springframework.web.servlet.DispatcherServlet.doDispatch",
    "org.apache.catalina.core.ApplicationFilterChain.doFilter", "org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer.run",
    "org.springframework.scheduling.support.ScheduledMethodRunnable.run", "java.util.concurrent.ThreadPoolExecutor.runWorker",
    "java.util.concurrent.ThreadPoolExecutor$Worker.run", "java.lang.Thread.run"
  };

  private final Random random;
  private final List<Cause> causes = new ArrayList<>();

  SyntheticFailures(long seed) {
    this.random = new Random(seed);
    defineCauses();
  }

  List<Cause> causes() {
    return List.copyOf(causes);
  }

  private void cause(String label, Function<String, Throwable> type, Site site, String cls, String method,
      String message) {
    causes.add(new Cause(label, type, site, cls, method, message, false));
  }

  private void wrappedCause(String label, Function<String, Throwable> type, Site site, String cls, String method,
      String message) {
    causes.add(new Cause(label, type, site, cls, method, message, true));
  }

  private void defineCauses() {
    Function<String, Throwable> ise = IllegalStateException::new;
    Function<String, Throwable> iae = IllegalArgumentException::new;
    Function<String, Throwable> npe = NullPointerException::new;
    Function<String, Throwable> nse = NoSuchElementException::new;
    Function<String, Throwable> uoe = UnsupportedOperationException::new;
    Function<String, Throwable> arith = ArithmeticException::new;
    Function<String, Throwable> cme = m -> new ConcurrentModificationException(m);
    Function<String, Throwable> nfe = NumberFormatException::new;
    Function<String, Throwable> ioobe = IndexOutOfBoundsException::new;
    Function<String, Throwable> timeout = SocketTimeoutException::new;
    Function<String, Throwable> missingFile = m -> new UncheckedIOException(m, new FileNotFoundException(m));
    Function<String, Throwable> lazy = m -> new IllegalStateException("could not initialize proxy - no Session: " + m);

    cause("order-not-found", nse, Site.PLAIN, APP + "order.OrderRepository", "findById", "no order with id {num}");
    cause("order-bad-state", ise, Site.PLAIN, APP + "order.Order", "cancel", "order {num} is already {word}");
    cause("order-ship-state", ise, Site.PLAIN, APP + "order.Order", "ship", "order {num} cannot ship: {word}");
    cause("order-npe-address", npe, Site.PLAIN, APP + "order.Order", "ship", "address is null for order {num}");
    cause("cart-empty", iae, Site.PLAIN, APP + "order.Cart", "checkout", "cart {uuid} is empty");
    cause("price-div-zero", arith, Site.LAMBDA, APP + "pricing.PriceCalculator", "compute", "/ by zero");
    cause("price-overflow", arith, Site.IN_LIBRARY, APP + "pricing.PriceCalculator", "total", "integer overflow");
    cause("coupon-parse", nfe, Site.IN_LIBRARY, APP + "pricing.CouponParser", "parse", "For input string: \"{word}\"");
    cause("customer-name-lazy", lazy, Site.ENTITY_PROXY, APP + "model.Customer", "getName", "Customer#{num}");
    cause("customer-email-lazy", lazy, Site.ENTITY_PROXY, APP + "model.Customer", "getEmail", "Customer#{num}");
    cause("product-lazy", lazy, Site.ENTITY_PROXY, APP + "model.Product", "getVariants", "Product#{num}");
    cause("stock-cme", cme, Site.IN_LIBRARY, APP + "inventory.StockLedger", "rebalance", null);
    cause("stock-index", ioobe, Site.IN_LIBRARY, APP + "inventory.StockLedger", "slot", "Index {num} out of bounds for length {num}");
    cause("loyalty-unsupported", uoe, Site.PLAIN, APP + "customer.LoyaltyTier", "upgrade", "tier {word} cannot be upgraded");
    cause("payment-timeout", timeout, Site.IN_LIBRARY, APP + "payment.PaymentGateway", "charge", "Read timed out after {num} ms to {ip}");
    cause("refund-timeout", timeout, Site.IN_LIBRARY, APP + "payment.PaymentGateway", "refund", "Read timed out after {num} ms to {ip}");
    wrappedCause("payment-declined", ise, Site.PLAIN, APP + "payment.PaymentResult", "requireApproved", "payment {uuid} declined: code {num}");
    wrappedCause("export-file", missingFile, Site.IN_LIBRARY, APP + "report.ExportWriter", "open", "/var/export/{word}-{num}.csv");
    cause("report-npe", npe, Site.LAMBDA, APP + "report.SalesReport", "row", null);
    cause("mail-template", iae, Site.PLAIN, APP + "notify.MailTemplates", "render", "unknown template '{word}'");
    cause("pool-exhausted", ise, Site.NO_STACK, null, null, "connection pool exhausted: {num} of {num} in use, waited {num} ms");
    cause("db-refused", ise, Site.NO_STACK, null, null, "connection to {ip} refused");
    cause("queue-full", ise, Site.NO_STACK, null, null, "queue 'orders-{num}' is full ({num} messages)");
    cause("lease-lost", ise, Site.NO_STACK, null, null, "lease {hex} lost by node {uuid}");
    // Hard cases, which a fingerprint of the throw site and the parameterised message cannot get right: two causes
    // thrown by one shared validation helper (merged), and a message without a stack whose variable part is a word
    // (split by the word).
    cause("quantity-invalid", iae, Site.HELPER, APP + "order.Cart", "addItem", "quantity must be positive: {num}");
    cause("discount-invalid", iae, Site.HELPER, APP + "pricing.QuoteService", "applyDiscount", "discount must be positive: {num}");
    cause("user-unauthorised", ise, Site.NO_STACK, null, null, "user {word} is not authorised");
  }

  /** {@code count} samples, causes drawn uniformly. */
  List<Sample> samples(int count) {
    List<Sample> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Cause c = causes.get(random.nextInt(causes.size()));
      out.add(new Sample(sample(c), c.label()));
    }
    return out;
  }

  Throwable sample(Cause c) {
    Throwable root = c.type().apply(message(c.messageTemplate()));
    List<StackTraceElement> path = callPath();
    if (c.site() == Site.NO_STACK) {
      root.setStackTrace(new StackTraceElement[0]);
    } else {
      List<StackTraceElement> stack = new ArrayList<>(throwSite(c));
      stack.addAll(path);
      root.setStackTrace(stack.toArray(new StackTraceElement[0]));
      if (root.getCause() != null) {
        root.getCause().setStackTrace(stack.toArray(new StackTraceElement[0]));
      }
    }
    Throwable failure = root;
    if (c.serviceWrapped()) {
      failure = new ServiceException("operation failed: " + root.getMessage(), failure);
      failure.setStackTrace(path.subList(Math.min(2, path.size() - 1), path.size()).toArray(new StackTraceElement[0]));
    }
    int layers = random.nextInt(4) == 0 ? 2 : random.nextBoolean() ? 1 : 0;
    for (int i = 0; i < layers; i++) {
      failure = wrap(failure);
      failure.setStackTrace(path.subList(random.nextInt(path.size()), path.size()).toArray(new StackTraceElement[0]));
    }
    return failure;
  }

  private Throwable wrap(Throwable t) {
    switch (random.nextInt(4)) {
      case 0:
        return new ExecutionException(t);
      case 1:
        return new CompletionException(t);
      case 2:
        return new InvocationTargetException(t);
      default:
        return new UndeclaredThrowableException(t);
    }
  }

  private List<StackTraceElement> throwSite(Cause c) {
    List<StackTraceElement> frames = new ArrayList<>();
    switch (c.site()) {
      case IN_LIBRARY:
        frames.add(jdk("java.util.Objects", "requireNonNull"));
        frames.add(jdk(libraryClass(c), "apply"));
        frames.add(app(c.cls(), c.method()));
        break;
      case ENTITY_PROXY:
        frames.add(lib("org.hibernate.proxy.AbstractLazyInitializer", "initialize"));
        frames.add(lib("org.hibernate.proxy.AbstractLazyInitializer", "getImplementation"));
        switch (random.nextInt(3)) {
          case 0:
            frames.add(generated(c.cls() + "$HibernateProxy$" + token(8), c.method()));
            break;
          case 1:
            frames.add(generated(c.cls() + "_$$_jvst" + Integer.toHexString(random.nextInt(0xfff)) + "_"
                + random.nextInt(40), c.method()));
            break;
          default:
            frames.add(lib("org.hibernate.proxy.pojo.bytebuddy.ByteBuddyInterceptor", "intercept"));
            frames.add(generated(c.cls() + "$ByteBuddy$" + token(8), c.method()));
            break;
        }
        break;
      case HELPER:
        frames.add(app(APP + "util.Preconditions", "checkArgument"));
        frames.add(app(c.cls(), c.method()));
        break;
      case LAMBDA:
        frames.add(app(c.cls(), "lambda$" + c.method() + "$" + random.nextInt(12)));
        frames.add(generated(c.cls() + lambdaProxy(), "apply"));
        frames.add(jdk("java.util.stream.ReferencePipeline$3$1", "accept"));
        frames.add(jdk("java.util.ArrayList$ArrayListSpliterator", "forEachRemaining"));
        frames.add(jdk("java.util.stream.ReferencePipeline", "collect"));
        frames.add(app(c.cls(), c.method()));
        break;
      default:
        frames.add(app(c.cls(), c.method()));
        break;
    }
    return frames;
  }

  private String libraryClass(Cause c) {
    return c.type().apply("x") instanceof SocketTimeoutException ? "java.net.SocketInputStream" : "java.util.HashMap";
  }

  /** Application frames from the throw site's caller up to the thread's start, through proxies and frameworks. */
  private List<StackTraceElement> callPath() {
    List<StackTraceElement> frames = new ArrayList<>();
    int depth = 1 + random.nextInt(6);
    for (int i = 0; i < depth; i++) {
      String caller = CALLERS[random.nextInt(CALLERS.length)];
      String cls = caller.substring(0, caller.lastIndexOf('.'));
      String method = caller.substring(caller.lastIndexOf('.') + 1);
      switch (random.nextInt(5)) {
        case 0:
          frames.add(app(cls, "lambda$" + method + "$" + random.nextInt(9)));
          frames.add(generated(cls + lambdaProxy(), "run"));
          frames.add(app(cls, method));
          break;
        case 1:
          frames.add(app(cls, method));
          frames.add(generated(cls + cglib(), method));
          frames.add(jdk("jdk.internal.reflect.GeneratedMethodAccessor" + random.nextInt(300), "invoke"));
          frames.add(jdk("jdk.internal.reflect.DelegatingMethodAccessorImpl", "invoke"));
          frames.add(jdk("java.lang.reflect.Method", "invoke"));
          frames.add(lib("org.springframework.aop.support.AopUtils", "invokeJoinpointUsingReflection"));
          break;
        case 2:
          frames.add(app(cls, "access$" + String.format("%03d", random.nextInt(8) * 100)));
          frames.add(app(cls + "$" + (1 + random.nextInt(3)), "run"));
          break;
        default:
          frames.add(app(cls, method));
          break;
      }
    }
    int top = random.nextInt(FRAMEWORK_TOP.length - 2);
    for (int i = top; i < FRAMEWORK_TOP.length; i++) {
      String f = FRAMEWORK_TOP[i];
      String cls = f.substring(0, f.lastIndexOf('.'));
      String method = f.substring(f.lastIndexOf('.') + 1);
      frames.add(cls.startsWith("java.") ? jdk(cls, method) : lib(cls, method));
    }
    return frames;
  }

  private String cglib() {
    return random.nextBoolean() ? "$$EnhancerBySpringCGLIB$$" + token(8) : "$$SpringCGLIB$$" + random.nextInt(3);
  }

  private String lambdaProxy() {
    return random.nextBoolean()
        ? "$$Lambda$" + random.nextInt(2000) + "/0x0000000800" + token(6)
        : "$$Lambda.0x000001" + token(8);
  }

  private StackTraceElement app(String cls, String method) {
    String simple = cls.substring(cls.lastIndexOf('.') + 1);
    int dollar = simple.indexOf('$');
    String file = (dollar < 0 ? simple : simple.substring(0, dollar)) + ".java";
    return new StackTraceElement("app", null, null, cls, method, file, 10 + random.nextInt(400));
  }

  private StackTraceElement lib(String cls, String method) {
    String simple = cls.substring(cls.lastIndexOf('.') + 1);
    return new StackTraceElement("app", null, null, cls, method, simple + ".java", 50 + random.nextInt(900));
  }

  private StackTraceElement jdk(String cls, String method) {
    String simple = cls.substring(cls.lastIndexOf('.') + 1);
    String version = random.nextBoolean() ? "17.0.9" : "21.0.2";
    return new StackTraceElement(null, "java.base", version, cls, method, simple + ".java", 100 + random.nextInt(900));
  }

  private StackTraceElement generated(String cls, String method) {
    return new StackTraceElement(cls, method, null, -1);
  }

  private String token(int length) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < length; i++) {
      s.append(Character.forDigit(random.nextInt(16), 16));
    }
    return s.toString();
  }

  private static final String[] WORDS = {"shipped", "cancelled", "pending", "gold", "silver", "abc", "x1", "summer"};

  private String message(String template) {
    if (template == null) {
      return null;
    }
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      int open = template.indexOf('{', i);
      if (open < 0) {
        out.append(template, i, template.length());
        break;
      }
      int close = template.indexOf('}', open);
      out.append(template, i, open);
      switch (template.substring(open + 1, close)) {
        case "num":
          out.append(random.nextInt(100_000));
          break;
        case "uuid":
          out.append(java.util.UUID.nameUUIDFromBytes(Long.toString(random.nextLong()).getBytes(
              java.nio.charset.StandardCharsets.UTF_8)));
          break;
        case "ip":
          out.append("10.").append(random.nextInt(256)).append('.').append(random.nextInt(256)).append('.')
              .append(random.nextInt(256)).append(random.nextBoolean() ? ":" + (1024 + random.nextInt(60000)) : "");
          break;
        case "hex":
          out.append(token(12)).append(random.nextInt(10));
          break;
        default:
          out.append(WORDS[random.nextInt(WORDS.length)]);
          break;
      }
      i = close + 1;
    }
    return out.toString();
  }
}
