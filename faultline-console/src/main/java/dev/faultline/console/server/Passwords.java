package dev.faultline.console.server;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.spec.KeySpec;
import java.util.Arrays;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashing with PBKDF2-HMAC-SHA256 from the JDK: a random 16-byte salt per password, at least
 * {@value #ITERATIONS} iterations (OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256), a 256-bit derived key, and
 * comparison in constant time with {@link MessageDigest#isEqual}.
 *
 * <p>Why not Argon2 or scrypt, which are memory-hard and better against GPU attacks: the JDK implements neither, and the
 * console would need a native or third-party cryptography library for them. PBKDF2 with a high iteration count is the
 * standard choice (NIST SP 800-132) that the JDK provides. The iteration count is stored with each hash, so it can be
 * raised later without invalidating existing passwords.
 *
 * <p>Thread-safe (stateless).
 */
final class Passwords {
  /** Iterations for new hashes. */
  static final int ITERATIONS = 210_000;
  /** The shortest password accepted. */
  static final int MIN_LENGTH = 12;
  /** The longest password accepted (PBKDF2 hashes the whole password per iteration; bound its cost). */
  static final int MAX_LENGTH = 1024;

  /**
   * The highest iteration count accepted in a stored hash (about 50 times {@link #ITERATIONS}): a stored count beyond
   * it would make each login of that user run for minutes.
   */
  static final int MAX_ITERATIONS = 10_000_000;

  private static final int SALT_BYTES = 16;
  private static final int KEY_BITS = 256;

  private Passwords() {}

  /**
   * A password's stored form.
   *
   * @param salt the random salt
   * @param hash the derived key
   * @param iterations the PBKDF2 iteration count used
   */
  record Hash(byte[] salt, byte[] hash, int iterations) {}

  /** Hashes {@code password} with a new random salt. */
  static Hash hash(String password) {
    byte[] salt = Secrets.randomBytes(SALT_BYTES);
    return new Hash(salt, derive(password, salt, ITERATIONS), ITERATIONS);
  }

  /** Whether {@code password} matches {@code stored}; always does the full work, and compares in constant time. */
  static boolean verify(String password, Hash stored) {
    byte[] candidate = derive(password, stored.salt(), stored.iterations());
    return MessageDigest.isEqual(candidate, stored.hash());
  }

  /**
   * What is wrong with a stored hash (read from a file or database, so not trusted), or {@code null} when
   * {@link #verify} can use it: it needs a salt, a derived key of {@value #KEY_BITS} bits and an iteration count from
   * 1 to {@link #MAX_ITERATIONS}.
   */
  static String problem(Hash stored) {
    if (stored.salt() == null || stored.salt().length == 0) {
      return "has no salt";
    }
    if (stored.hash() == null || stored.hash().length != KEY_BITS / 8) {
      return "has a derived key of " + (stored.hash() == null ? 0 : stored.hash().length) + " bytes, not "
          + KEY_BITS / 8;
    }
    if (stored.iterations() < 1 || stored.iterations() > MAX_ITERATIONS) {
      return "has an iteration count of " + stored.iterations() + ", not from 1 to " + MAX_ITERATIONS;
    }
    return null;
  }

  /** The reason {@code password} is not acceptable as a new password, or {@code null} when it is. */
  static String weakness(String password) {
    if (password.length() < MIN_LENGTH) {
      return "password must have at least " + MIN_LENGTH + " characters, but had " + password.length();
    }
    if (password.length() > MAX_LENGTH) {
      return "password must have at most " + MAX_LENGTH + " characters, but had " + password.length();
    }
    return null;
  }

  private static byte[] derive(String password, byte[] salt, int iterations) {
    char[] chars = password.toCharArray();
    KeySpec spec = new PBEKeySpec(chars, salt, iterations, KEY_BITS);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no PBKDF2WithHmacSHA256", e);
    } finally {
      Arrays.fill(chars, '\0');
      ((PBEKeySpec) spec).clearPassword();
    }
  }
}
