package dev.faultline.state.crypto;

import dev.faultline.core.ConfigurationException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256 keys by id, for encryption at rest. New journal segments and new checkpoints are sealed with the key
 * {@link #currentKeyId()} names, and that id is written in their header; reading looks the id up with {@link #key}.
 * Rotating keys means: add a new key, make it current, keep the old ones as long as data sealed with them is kept.
 *
 * <p>Each record and each snapshot is sealed with AES-256-GCM under a fresh random 96-bit nonce. Authenticated with
 * it: the identity of the directory it is kept in (16 random bytes made once per directory, in the file
 * {@code directory.id}; a journal and its checkpoints in one directory share it) and the record's sequence (for a
 * checkpoint: its number, sequence and time). So a record moved to another sequence of its journal does not decrypt,
 * and neither does a segment or checkpoint file copied from another directory, even under the same key. With random
 * nonces a key should seal at most about 2<sup>32</sup> records: rotate before.
 *
 * <p>What is not authenticated: how many records a journal holds (cutting records off its end reads as a torn tail,
 * and whole segments or checkpoints can be deleted); the directory of data sealed before directory identities
 * (segment and checkpoint format version 1, still read). The identity file (version 2 of it) records how far such
 * data reached when it was made (-1 for a fresh directory), and nothing sealed in version 1 is written after, so a
 * version-1 sealed segment holding a later sequence, or a version-1 sealed checkpoint with a higher number, is
 * refused ({@code journal-crypto} when the journal opens, {@code checkpoint-crypto} when the checkpoint is read);
 * but under a key shared by several directories, a version-1 file copied from one to another within that reach (at
 * sequences or numbers the directory held unbound data for) is still accepted, unless a journal has a bound segment
 * before it. A directory whose identity file is of version 1 (made by the previous release, which recorded no reach;
 * it is never rewritten) keeps the old rule: there a version-1 file is accepted at any sequence or number unless a
 * journal has a bound segment before it (a journal never writes an unbound segment after a bound one). Giving each
 * directory its own key closes all of this. Not authenticated either: the headers, of which the key id decides
 * whether the data is decrypted at all. A segment or checkpoint whose header says key id 0 is read as plain even
 * with a provider, so that data from before encryption stays readable; the builders' {@code requireEncryption}
 * option refuses it instead (the journal refuses a plain segment after an encrypted one in any case, since it never
 * writes one). Checkpoint labels are stored in plain text, and
 * the identity file is not secret: it names a directory, it does not protect it.
 *
 * <p>Implementations must be thread-safe.
 */
public interface KeyProvider {

  /** The id of the key that seals new data; a positive number (0 means "not encrypted" in file headers). */
  int currentKeyId();

  /** The AES-256 key with {@code keyId}, if this provider has it. */
  Optional<SecretKey> key(int keyId);

  /**
   * A provider holding {@code keys} (32 bytes each) by id, sealing new data with {@code currentKeyId}.
   *
   * @throws ConfigurationException naming the key that is missing, has a non-positive id or is not 32 bytes
   */
  static KeyProvider of(int currentKeyId, Map<Integer, byte[]> keys) {
    Map<Integer, SecretKey> copy = new TreeMap<>();
    for (Map.Entry<Integer, byte[]> entry : keys.entrySet()) {
      if (entry.getKey() == null || entry.getKey() <= 0) {
        throw new ConfigurationException("keys", "have positive key ids", entry.getKey());
      }
      if (entry.getValue() == null || entry.getValue().length != 32) {
        throw new ConfigurationException("keys[" + entry.getKey() + "]", "be 32 bytes (AES-256)",
            entry.getValue() == null ? "null" : entry.getValue().length + " bytes");
      }
      copy.put(entry.getKey(), new SecretKeySpec(entry.getValue().clone(), "AES"));
    }
    if (!copy.containsKey(currentKeyId)) {
      throw new ConfigurationException("currentKeyId", "name one of the keys " + copy.keySet(), currentKeyId);
    }
    return new KeyProvider() {
      @Override
      public int currentKeyId() {
        return currentKeyId;
      }

      @Override
      public Optional<SecretKey> key(int keyId) {
        return Optional.ofNullable(copy.get(keyId));
      }

      @Override
      public String toString() {
        return "KeyProvider[current " + currentKeyId + ", ids " + copy.keySet() + "]";
      }
    };
  }
}
