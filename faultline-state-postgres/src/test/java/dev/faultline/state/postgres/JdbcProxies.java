package dev.faultline.state.postgres;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import javax.sql.DataSource;

/**
 * JDBC objects with a test's code around their calls, to lose an answer, hold a statement or fail one where a real
 * database would: the tests' way to reach a race or a failure deterministically.
 */
final class JdbcProxies {
  private JdbcProxies() {}

  /** What a test does around one call of a proxied JDBC object: {@code proceed} makes the real call. */
  @FunctionalInterface
  interface Around {
    Object call(Method method, Object[] args, Proceed proceed) throws Throwable;
  }

  /** The real call. */
  @FunctionalInterface
  interface Proceed {
    Object call() throws Throwable;
  }

  /** {@code target} with {@code around} around each call of {@code type}'s methods. */
  static <T> T intercept(Class<T> type, T target, Around around) {
    return type.cast(Proxy.newProxyInstance(JdbcProxies.class.getClassLoader(), new Class<?>[] {type},
        (proxy, method, args) -> around.call(method, args, () -> {
          try {
            return method.invoke(target, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        })));
  }

  /** {@code real}, whose connections have {@code around} around each of their calls. */
  static DataSource onConnections(DataSource real, Around around) {
    return intercept(DataSource.class, real, (method, args, proceed) -> {
      Object out = proceed.call();
      return method.getName().equals("getConnection") ? intercept(Connection.class, (Connection) out, around) : out;
    });
  }
}
