package dev.faultline.diagnosis.incident;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Fingerprints: what they keep, what they normalise away, and what they tell apart. */
class FingerprinterTest {
  private final Fingerprinter inApp = Fingerprinter.builder().inAppPackages(List.of("com.acme.")).build();

  private static StackTraceElement frame(String cls, String method, int line) {
    return new StackTraceElement(cls, method, cls.substring(cls.lastIndexOf('.') + 1) + ".java", line);
  }

  private static <T extends Throwable> T withStack(T t, StackTraceElement... frames) {
    t.setStackTrace(frames);
    return t;
  }

  @Test
  void signatureIsTypeChainAndInnermostInAppFrame() {
    Throwable root = withStack(new IllegalStateException("x"),
        frame("java.util.HashMap", "get", 10),
        frame("com.acme.Repo", "load", 42),
        frame("com.acme.Service", "run", 7));
    Throwable outer = withStack(new RuntimeException("wrapped", root), frame("com.acme.Service", "run", 9));
    assertEquals(List.of("type java.lang.RuntimeException", "type java.lang.IllegalStateException",
        "frame com.acme.Repo.load"), inApp.signature(outer));
    assertEquals(Fingerprinter.LENGTH, inApp.fingerprint(outer).length());
    assertTrue(inApp.fingerprint(outer).matches("[0-9a-f]{32}"));
  }

  @Test
  void lineNumbersMessagesAndCallersDoNotMatter() {
    Throwable a = withStack(new IllegalStateException("order 1 failed"),
        frame("com.acme.Repo", "load", 42), frame("com.acme.A", "a", 1));
    Throwable b = withStack(new IllegalStateException("order 2 failed for other reasons"),
        frame("com.acme.Repo", "load", 99), frame("com.acme.B", "b", 5), frame("com.acme.C", "c", 5));
    assertEquals(inApp.fingerprint(a), inApp.fingerprint(b));
  }

  @Test
  void typesAndMethodsTellCausesApart() {
    Throwable a = withStack(new IllegalStateException(), frame("com.acme.Repo", "load", 1));
    Throwable b = withStack(new IllegalArgumentException(), frame("com.acme.Repo", "load", 1));
    Throwable c = withStack(new IllegalStateException(), frame("com.acme.Repo", "save", 1));
    assertNotEquals(inApp.fingerprint(a), inApp.fingerprint(b));
    assertNotEquals(inApp.fingerprint(a), inApp.fingerprint(c));
    Throwable deeper = withStack(new IllegalStateException(), frame("com.acme.Repo", "load", 1),
        frame("com.acme.A", "a", 1));
    Throwable other = withStack(new IllegalStateException(), frame("com.acme.Repo", "load", 1),
        frame("com.acme.B", "b", 1));
    Fingerprinter two = Fingerprinter.builder().inAppPackages(List.of("com.acme.")).frames(2).build();
    assertNotEquals(two.fingerprint(deeper), two.fingerprint(other));
  }

  @Test
  void defaultWrappersAreUnwrapped() {
    Throwable root = withStack(new IllegalStateException("boom"), frame("com.acme.Repo", "load", 1));
    List<String> expected = inApp.signature(root);
    assertEquals(expected, inApp.signature(new ExecutionException(root)));
    assertEquals(expected, inApp.signature(new CompletionException(new InvocationTargetException(root))));
    assertEquals(expected, inApp.signature(new UndeclaredThrowableException(root)));
    // A wrapper without a cause is the failure itself.
    CompletionException alone = withStack(new CompletionException("no cause", null), frame("com.acme.X", "y", 1));
    assertEquals("type java.util.concurrent.CompletionException", inApp.signature(alone).get(0));
  }

  @Test
  void wrappersAreConfigurable() {
    Throwable root = withStack(new IllegalStateException("boom"), frame("com.acme.Repo", "load", 1));
    Fingerprinter custom = Fingerprinter.builder().inAppPackages(List.of("com.acme."))
        .wrappers(List.of("java.lang.RuntimeException")).build();
    assertEquals(custom.signature(root), custom.signature(new RuntimeException(root)));
    assertNotEquals(custom.signature(root), custom.signature(new ExecutionException(root)));
  }

  @Test
  void causeCycleEndsTheChain() {
    IllegalStateException a = new IllegalStateException("a");
    IllegalArgumentException b = new IllegalArgumentException("b", a);
    a.initCause(b);
    List<String> sig = inApp.signature(a);
    assertEquals("type java.lang.IllegalStateException", sig.get(0));
    assertEquals("type java.lang.IllegalArgumentException", sig.get(1));
  }

  @Test
  void proxyClassesStandForTheClassTheyProxy() {
    String[] proxies = {
      "com.acme.Customer$$EnhancerBySpringCGLIB$$1a2b3c4d",
      "com.acme.Customer$$SpringCGLIB$$0",
      "com.acme.Customer_$$_jvst1f2_3",
      "com.acme.Customer$HibernateProxy$AbCdEf12",
      "com.acme.Customer$ByteBuddy$9f8e7d",
      "com.acme.Customer$MockitoMock$123456",
    };
    for (String proxy : proxies) {
      assertEquals("com.acme.Customer", Fingerprinter.normaliseClass(proxy), proxy);
      Throwable t = withStack(new IllegalStateException(), frame(proxy, "getName", -1));
      assertEquals("frame com.acme.Customer.getName", inApp.signature(t).get(1), proxy);
    }
    assertEquals("com.acme.Service$N$N", Fingerprinter.normaliseClass("com.acme.Service$1$12"));
    assertEquals("com.acme.Service$Inner", Fingerprinter.normaliseClass("com.acme.Service$Inner"));
  }

  @Test
  void glueFramesAreDropped() {
    Throwable t = withStack(new IllegalStateException(),
        frame("com.acme.Service$$Lambda$123/0x0000000800c0b440", "apply", -1),
        frame("com.acme.Service$$Lambda.0x00000100012ab000", "apply", -1),
        frame("jdk.internal.reflect.GeneratedMethodAccessor123", "invoke", -1),
        frame("sun.reflect.GeneratedMethodAccessor7", "invoke", -1),
        frame("jdk.internal.reflect.DirectMethodHandleAccessor", "invoke", 103),
        frame("java.lang.reflect.Method", "invoke", 580),
        frame("java.lang.invoke.LambdaForm$MH/0x0000000801004400", "invoke", -1),
        frame("jdk.proxy2.$Proxy45", "call", -1),
        frame("com.acme.Service", "access$000", 1),
        frame("com.acme.Service$$FastClassBySpringCGLIB$$abc", "invoke", -1),
        frame("com.acme.Service", "lambda$handle$3", 40),
        frame("com.acme.Service", "handle", 41));
    Fingerprinter all = Fingerprinter.builder().frames(10).build();
    assertEquals(List.of("type java.lang.IllegalStateException", "frame com.acme.Service.lambda$handle",
        "frame com.acme.Service.handle"), all.signature(t));
  }

  @Test
  void lambdaIndicesAndProxiesDoNotSplit() {
    Throwable a = withStack(new IllegalStateException(), frame("com.acme.Service", "lambda$handle$3", 40));
    Throwable b = withStack(new IllegalStateException(),
        frame("com.acme.Service", "lambda$handle$17", 52),
        frame("com.acme.Service$$Lambda$99/0x0000000800aa0000", "run", -1));
    assertEquals(inApp.fingerprint(a), inApp.fingerprint(b));
    Throwable c = withStack(new IllegalStateException(), frame("com.acme.Order", "ship", 1),
        frame("com.acme.Order$$EnhancerBySpringCGLIB$$abc", "ship", -1));
    Throwable d = withStack(new IllegalStateException(), frame("com.acme.Order", "ship", 2));
    Fingerprinter two = Fingerprinter.builder().inAppPackages(List.of("com.acme.")).frames(2).build();
    // The proxy frame collapses into the method it proxies, so the second frame is absent in both.
    assertEquals(two.signature(d), two.signature(c));
  }

  @Test
  void framesOutsideInAppPackagesAreIgnoredWhenAnyIsInApp() {
    Throwable t = withStack(new IllegalStateException(),
        frame("org.hibernate.Lazy", "init", 1), frame("com.acme.Repo", "load", 2));
    assertEquals("frame com.acme.Repo.load", inApp.signature(t).get(1));
    Throwable library = withStack(new IllegalStateException(),
        frame("org.hibernate.Lazy", "init", 1), frame("org.hibernate.Session", "get", 2));
    assertEquals("frame org.hibernate.Lazy.init", inApp.signature(library).get(1));
    // Without configured packages, runtime frames are not in-app but library frames are.
    Throwable jdk = withStack(new IllegalStateException(),
        frame("java.util.HashMap", "get", 1), frame("org.hibernate.Lazy", "init", 1));
    assertEquals("frame org.hibernate.Lazy.init", Fingerprinter.defaults().signature(jdk).get(1));
  }

  @Test
  void notInAppPrefixesSkipHelpers() {
    Throwable t = withStack(new IllegalArgumentException(),
        frame("com.acme.util.Checks", "require", 1), frame("com.acme.Cart", "add", 2));
    Fingerprinter helper = Fingerprinter.builder().inAppPackages(List.of("com.acme."))
        .notInApp(List.of("com.acme.util.Checks.")).build();
    assertEquals("frame com.acme.util.Checks.require", inApp.signature(t).get(1));
    assertEquals("frame com.acme.Cart.add", helper.signature(t).get(1));
  }

  @Test
  void messageIsParameterisedWhenThereIsNoStack() {
    Throwable a = withStack(new IllegalStateException("connection to 10.0.0.12:5432 refused after 3 attempts"));
    Throwable b = withStack(new IllegalStateException("connection to 192.168.1.7 refused after 12 attempts"));
    assertEquals("message connection to <ip> refused after <num> attempts", inApp.signature(a).get(1));
    assertEquals(inApp.fingerprint(a), inApp.fingerprint(b));
    Throwable c = withStack(new IllegalStateException("pool exhausted after 3 attempts"));
    assertNotEquals(inApp.fingerprint(a), inApp.fingerprint(c));
    Throwable nullMessage = withStack(new IllegalStateException());
    assertEquals("message ", inApp.signature(nullMessage).get(1));
  }

  @Test
  void parameteriseReplacesVariableParts() {
    assertEquals("user <str> not found in <str>",
        Fingerprinter.parameterise("user 'bob' not found in \"users\""));
    assertEquals("lease <uuid> lost", Fingerprinter.parameterise("lease 123e4567-e89b-12d3-a456-426614174000 lost"));
    assertEquals("at <hex> and <hex>", Fingerprinter.parameterise("at 0x7ffe12 and deadbeef42"));
    assertEquals("peer <ip> and <ip> down", Fingerprinter.parameterise("peer fe80::1:2 and 10.1.2.3:80 down"));
    assertEquals("took <num> ms, <num>% of <num>", Fingerprinter.parameterise("took 12.5 ms, 40% of -3"));
    assertEquals("order<num> shipped", Fingerprinter.parameterise("order42 shipped"));
    assertEquals("a deadbeef word stays", Fingerprinter.parameterise("a deadbeef word stays"));
  }

  @Test
  void kotlinLambdaIndicesDoNotSplit() {
    // Kotlin names a lambda's body method after the enclosing function: place$lambda$0 since 2.0 (indy lambdas),
    // place$lambda-0 before; the index moves when a lambda is added above, as javac's lambda$place$0 does.
    Throwable a = withStack(new IllegalStateException(), frame("com.acme.Orders", "place$lambda$0", 40));
    Throwable b = withStack(new IllegalStateException(), frame("com.acme.Orders", "place$lambda$3", 52));
    Throwable c = withStack(new IllegalStateException(), frame("com.acme.Orders", "place$lambda-3", 52));
    assertEquals(List.of("type java.lang.IllegalStateException", "frame com.acme.Orders.place$lambda"),
        inApp.signature(a));
    assertEquals(inApp.fingerprint(a), inApp.fingerprint(b));
    assertEquals(inApp.fingerprint(a), inApp.fingerprint(c));
    Throwable nested = withStack(new IllegalStateException(), frame("com.acme.Orders", "place$lambda$1$lambda$0", 9));
    assertEquals("frame com.acme.Orders.place$lambda$lambda", inApp.signature(nested).get(1));
    Throwable other = withStack(new IllegalStateException(), frame("com.acme.Orders", "cancel$lambda$0", 40));
    assertNotEquals(inApp.fingerprint(a), inApp.fingerprint(other));
  }

  @Test
  void aNumberThatEndsASentenceIsParameterised() {
    // Java messages often end with a full stop; the number before it is as variable as any other.
    assertEquals("expected <num> but was <num>.", Fingerprinter.parameterise("expected 5 but was 7."));
    assertEquals(Fingerprinter.parameterise("expected 5 but was 7."),
        Fingerprinter.parameterise("expected 5 but was 9."));
    assertEquals("x=<num>. retrying in <num>.", Fingerprinter.parameterise("x=-5. retrying in 30."));
    // A dot followed by a digit or letter still joins the number to a word or version, which stays.
    assertEquals("v<num>.2.3 failed", Fingerprinter.parameterise("v1.2.3 failed"));
    assertEquals("libfoo.so.6 missing", Fingerprinter.parameterise("libfoo.so.6 missing"));
  }

  @Test
  void anApostropheInsideAWordDoesNotOpenAQuotedString() {
    // "can't" opened a quote that ran to the next one and left the quoted value in the signature.
    assertEquals("can't find user <str>", Fingerprinter.parameterise("can't find user 'bob'"));
    assertEquals(Fingerprinter.parameterise("can't find user 'bob'"),
        Fingerprinter.parameterise("can't find user 'alice'"));
    assertEquals("user <str> isn't active", Fingerprinter.parameterise("user 'bob' isn't active"));
    assertEquals("l'adresse <str> de Zoë's compte", Fingerprinter.parameterise("l'adresse 'x@y' de Zoë's compte"));
    assertEquals("key (<str>) and <str>: don't retry", Fingerprinter.parameterise("key ('a b') and 'c': don't retry"));
  }

  @Test
  void anIdentityHashCodeIsAnAddressWhateverItsLength() {
    // Object.toString is the class name, '@' and the identity hash in hex without leading zeros: 1 to 8 digits.
    String eight = Fingerprinter.parameterise("pool com.acme.Pool@1b6d3586 closed");
    assertEquals("pool com.acme.Pool@<hex> closed", eight);
    assertEquals(eight, Fingerprinter.parameterise("pool com.acme.Pool@6d06d69 closed"));
    assertEquals(eight, Fingerprinter.parameterise("pool com.acme.Pool@4e25154f closed"));
    assertEquals(eight, Fingerprinter.parameterise("pool com.acme.Pool@7a81197 closed"));
    assertEquals("mail to bob@example.com failed", Fingerprinter.parameterise("mail to bob@example.com failed"));
  }

  @Test
  void badSettingsAreRejectedNamingTheField() {
    ConfigurationException e = assertThrows(ConfigurationException.class,
        () -> Fingerprinter.builder().frames(0));
    assertEquals("frames", e.field());
    assertEquals("inAppPackages[]", assertThrows(ConfigurationException.class,
        () -> Fingerprinter.builder().inAppPackages(List.of(" "))).field());
    assertEquals("failure", assertThrows(ConfigurationException.class,
        () -> Fingerprinter.defaults().fingerprint(null)).field());
  }
}
