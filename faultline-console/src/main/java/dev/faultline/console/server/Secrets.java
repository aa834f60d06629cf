package dev.faultline.console.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Random bearer secrets (session tokens, API keys, the setup token) and their stored form, a SHA-256 digest.
 *
 * <p>A secret is 256 random bits from {@link SecureRandom}, so a fast digest is enough to store it: unlike a password
 * it cannot be guessed, and the digest keeps a stolen credentials file from being usable as credentials. Digests are
 * compared with {@link MessageDigest#isEqual}, in constant time. Thread-safe (stateless but for the thread-safe
 * {@code SecureRandom}).
 */
final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  /** A new secret: {@code prefix} followed by 256 random bits in URL-safe base64. */
  static String newSecret(String prefix) {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Random bytes, for salts. */
  static byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  /** The stored form of a secret: its SHA-256 digest in lower-case hex. */
  static String digest(String secret) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** Whether two digests are equal, in time that does not depend on where they differ. */
  static boolean sameDigest(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }
}
