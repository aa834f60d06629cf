package dev.faultline.state.internal;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * AES-256-GCM sealing as stored on disk: {@code nonce (12 bytes) || ciphertext || tag (16 bytes)}. Thread-safe: each
 * thread uses its own {@link Cipher}.
 */
public final class Aead {
  /** Bytes a sealed value takes beyond its plaintext: nonce and tag. */
  public static final int OVERHEAD = 12 + 16;
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(() -> {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no AES/GCM/NoPadding", e);
    }
  });

  private Aead() {}

  /** Seals {@code length} bytes of {@code plaintext} from {@code offset}, authenticating {@code aad} with them. */
  public static byte[] seal(SecretKey key, byte[] plaintext, int offset, int length, byte[] aad) {
    byte[] nonce = new byte[NONCE];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = CIPHER.get();
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(aad);
      byte[] sealed = new byte[NONCE + cipher.getOutputSize(length)];
      System.arraycopy(nonce, 0, sealed, 0, NONCE);
      cipher.doFinal(plaintext, offset, length, sealed, NONCE);
      return sealed;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM sealing failed: " + e, e);
    }
  }

  /**
   * Opens {@code length} sealed bytes of {@code sealed} from {@code offset}.
   *
   * @throws AEADBadTagException if the key is wrong or any byte (or the aad) was changed
   */
  public static byte[] open(SecretKey key, byte[] sealed, int offset, int length, byte[] aad)
      throws AEADBadTagException {
    if (length < OVERHEAD) {
      throw new AEADBadTagException("sealed value of " + length + " bytes is shorter than nonce and tag");
    }
    try {
      Cipher cipher = CIPHER.get();
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, offset, NONCE));
      cipher.updateAAD(aad);
      return cipher.doFinal(sealed, offset + NONCE, length - NONCE);
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM opening failed: " + e, e);
    }
  }

  /** The 8 big-endian bytes of {@code value}, as associated data. */
  public static byte[] longs(long... values) {
    ByteBuffer buffer = ByteBuffer.allocate(8 * values.length);
    for (long value : values) {
      buffer.putLong(value);
    }
    return buffer.array();
  }
}
