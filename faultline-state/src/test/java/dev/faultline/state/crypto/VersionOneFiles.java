package dev.faultline.state.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32C;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Journal segments and checkpoints in format version 1 (before directory identities), built byte by byte as that
 * format drew them, so that tests can put what an older build wrote into a directory.
 */
final class VersionOneFiles {
  private VersionOneFiles() {}

  /**
   * A version-1 segment of {@code payloads} from {@code firstSequence}: with {@code keyId} other than 0 sealed with
   * {@code key} as before identities (the sequence as associated data), with 0 plain.
   */
  static byte[] segment(byte[] key, long firstSequence, int keyId, String... payloads) throws Exception {
    ByteBuffer out = ByteBuffer.allocate(4096);
    out.putInt(0x464C4A4C).putInt(1).putLong(firstSequence).putInt(keyId).putInt(0).putInt(0);
    CRC32C crc = new CRC32C();
    crc.update(out.array(), 0, 28);
    out.putInt((int) crc.getValue());
    long sequence = firstSequence;
    for (String payload : payloads) {
      byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
      byte[] sealed = keyId == 0 ? bytes : seal(key, bytes, longs(sequence));
      int at = out.position();
      out.putInt(sealed.length).putInt(0).putLong(sequence).put(sealed);
      crc.reset();
      crc.update(out.array(), at, 4);
      crc.update(out.array(), at + 8, 8 + sealed.length);
      out.putInt(at + 4, (int) crc.getValue());
      sequence++;
    }
    return Arrays.copyOf(out.array(), out.position());
  }

  /** A version-1 checkpoint sealed with {@code key} as key id 1, without a label. */
  static byte[] checkpoint(byte[] key, long number, long sequence, long time, String snapshot) throws Exception {
    byte[] sealed = seal(key, snapshot.getBytes(StandardCharsets.UTF_8), longs(number, sequence, time));
    ByteBuffer out = ByteBuffer.allocate(56 + sealed.length + 4);
    out.putInt(0x464C4350).putInt(1).putInt(1).putInt(0).putLong(number).putLong(sequence).putLong(time).putInt(0)
        .putLong(sealed.length);
    CRC32C crc = new CRC32C();
    crc.update(out.array(), 0, 52);
    out.putInt((int) crc.getValue());
    out.put(sealed);
    crc.reset();
    crc.update(out.array(), 0, out.position());
    out.putInt((int) crc.getValue());
    return out.array();
  }

  /** AES-256-GCM as the format seals: nonce (12 bytes, here derived from the associated data), ciphertext, tag. */
  private static byte[] seal(byte[] key, byte[] plaintext, byte[] aad) throws Exception {
    byte[] nonce = new byte[12];
    new Random(Arrays.hashCode(aad)).nextBytes(nonce);
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
    cipher.updateAAD(aad);
    byte[] body = cipher.doFinal(plaintext);
    byte[] sealed = new byte[12 + body.length];
    System.arraycopy(nonce, 0, sealed, 0, 12);
    System.arraycopy(body, 0, sealed, 12, body.length);
    return sealed;
  }

  private static byte[] longs(long... values) {
    ByteBuffer buffer = ByteBuffer.allocate(8 * values.length);
    for (long value : values) {
      buffer.putLong(value);
    }
    return buffer.array();
  }
}
