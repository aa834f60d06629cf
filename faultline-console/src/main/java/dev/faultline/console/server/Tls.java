package dev.faultline.console.server;

import dev.faultline.core.ConfigurationException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads the server's TLS identity with the JDK alone: a key store file (PKCS#12 or JKS), or a PEM certificate chain
 * with its PEM private key (PKCS#8 {@code BEGIN PRIVATE KEY}, RSA or EC, or PKCS#1 {@code BEGIN RSA PRIVATE KEY}).
 * Encrypted PEM keys and SEC1 {@code BEGIN EC PRIVATE KEY} files are refused with the {@code openssl} command that
 * converts them. The key is checked to belong to the certificate. Stateless and thread-safe.
 */
public final class Tls {
  private static final Pattern PEM = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----");
  /** The alias of the identity in a key store built from PEM files. */
  static final String ALIAS = "faultline";

  private Tls() {}

  /** An identity loaded into a key store, with the password that unlocks its key. */
  public record Identity(KeyStore keyStore, char[] password) {}

  /**
   * Loads a PEM certificate chain (server certificate first) and its private key.
   *
   * @throws ConfigurationException naming {@code tlsCert} or {@code tlsKey} and what is wrong with it
   */
  public static Identity fromPem(Path certFile, Path keyFile) {
    List<Certificate> chain = certificates(certFile);
    PrivateKey key = privateKey(keyFile);
    char[] password = Secrets.newSecret("").toCharArray();
    try {
      if (!matches(key, chain.get(0))) {
        throw new ConfigurationException("tlsKey", "hold the private key that belongs to the certificate "
            + ((X509Certificate) chain.get(0)).getSubjectX500Principal() + " (the first of the chain)", keyFile);
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(ALIAS, key, password, chain.toArray(Certificate[]::new));
      return new Identity(store, password);
    } catch (GeneralSecurityException | IOException e) {
      throw new ConfigurationException("tlsKey", "be usable with the certificate chain (" + e.getMessage() + ")",
          keyFile);
    }
  }

  /**
   * Loads a PKCS#12 or JKS key store holding one private key and its certificate chain.
   *
   * @throws ConfigurationException naming {@code keystore} and what is wrong with it
   */
  public static Identity fromKeyStore(Path file, char[] password) {
    KeyStore store;
    try {
      store = KeyStore.getInstance(file.toFile(), password);
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigurationException("keystore", "be a readable PKCS#12 or JKS key store whose password is the one"
          + " given (" + e.getMessage() + ")", file);
    }
    check(store, password);
    return new Identity(store, password.clone());
  }

  /**
   * Checks that {@code store} holds exactly one private key, unlocked by {@code password}, whose public key is the
   * one of the first certificate of its chain.
   *
   * @throws ConfigurationException naming {@code tls} and what is wrong
   */
  static void check(KeyStore store, char[] password) {
    try {
      List<String> keys = new ArrayList<>();
      for (String alias : Collections.list(store.aliases())) {
        if (store.isKeyEntry(alias)) {
          keys.add(alias);
        }
      }
      if (keys.size() != 1) {
        throw new ConfigurationException("tls", "hold exactly one private key with its certificate chain",
            keys.size() + " keys");
      }
      Key key = store.getKey(keys.get(0), password);
      Certificate[] chain = store.getCertificateChain(keys.get(0));
      if (!(key instanceof PrivateKey) || chain == null || chain.length == 0) {
        throw new ConfigurationException("tls", "hold a private key with its certificate chain", keys.get(0));
      }
      if (!matches((PrivateKey) key, chain[0])) {
        throw new ConfigurationException("tls", "hold a private key that belongs to its certificate "
            + ((X509Certificate) chain[0]).getSubjectX500Principal(), keys.get(0));
      }
    } catch (GeneralSecurityException e) {
      throw new ConfigurationException("tls", "hold a private key the password unlocks (" + e.getMessage() + ")",
          "key store");
    }
  }

  /** Whether a signature made with {@code key} verifies with the certificate's public key. */
  private static boolean matches(PrivateKey key, Certificate certificate) throws GeneralSecurityException {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> throw new ConfigurationException("tls", "hold an RSA, EC or Ed25519 key", key.getAlgorithm());
    };
    byte[] probe = "faultline tls key check".getBytes(StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    try {
      verifier.initVerify(certificate.getPublicKey());
    } catch (java.security.InvalidKeyException e) {
      return false;
    }
    verifier.update(probe);
    return verifier.verify(signature);
  }

  private static String read(Path file, String field) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ConfigurationException(field, "be a readable PEM file (" + e.getMessage() + ")", file);
    }
  }

  private static List<Certificate> certificates(Path file) {
    String text = read(file, "tlsCert");
    List<Certificate> chain = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      Matcher m = PEM.matcher(text);
      while (m.find()) {
        if (m.group(1).equals("CERTIFICATE")) {
          chain.add(factory.generateCertificate(new ByteArrayInputStream(der(m.group(2)))));
        }
      }
    } catch (CertificateException | IllegalArgumentException e) {
      throw new ConfigurationException("tlsCert", "hold PEM certificates (" + e.getMessage() + ")", file);
    }
    if (chain.isEmpty()) {
      throw new ConfigurationException("tlsCert", "hold at least one '-----BEGIN CERTIFICATE-----' block", file);
    }
    return chain;
  }

  private static PrivateKey privateKey(Path file) {
    String text = read(file, "tlsKey");
    Matcher m = PEM.matcher(text);
    if (!m.find()) {
      throw new ConfigurationException("tlsKey", "hold a PEM private key ('-----BEGIN PRIVATE KEY-----')", file);
    }
    String type = m.group(1);
    byte[] der;
    try {
      der = der(m.group(2));
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException("tlsKey", "hold valid base64 in its PEM block", file);
    }
    switch (type) {
      case "PRIVATE KEY":
        break;
      case "RSA PRIVATE KEY":
        der = pkcs1ToPkcs8(der);
        break;
      case "ENCRYPTED PRIVATE KEY":
        throw new ConfigurationException("tlsKey", "be unencrypted (convert it with: openssl pkcs8 -topk8 -nocrypt"
            + " -in KEY -out key.pem, and protect the file with its permissions), or use --keystore", file);
      case "EC PRIVATE KEY":
        throw new ConfigurationException("tlsKey", "be PKCS#8 (convert it with: openssl pkcs8 -topk8 -nocrypt"
            + " -in KEY -out key.pem)", file);
      default:
        throw new ConfigurationException("tlsKey", "hold a PRIVATE KEY or RSA PRIVATE KEY block, not " + type, file);
    }
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
        // try the next algorithm
      }
    }
    throw new ConfigurationException("tlsKey", "hold an RSA, EC or Ed25519 private key", file);
  }

  private static byte[] der(String base64) {
    return Base64.getMimeDecoder().decode(base64.replaceAll("\\s", ""));
  }

  /**
   * Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo: {@code SEQUENCE { INTEGER 0, SEQUENCE { OID
   * rsaEncryption, NULL }, OCTET STRING { pkcs1 } }}.
   */
  private static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
    byte[] version = {0x02, 0x01, 0x00};
    byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01,
        0x01, 0x05, 0x00};
    byte[] octets = tlv(0x04, pkcs1);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(version);
    body.writeBytes(algorithm);
    body.writeBytes(octets);
    return tlv(0x30, body.toByteArray());
  }

  private static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = value.length;
    if (length < 0x80) {
      out.write(length);
    } else if (length < 0x100) {
      out.write(0x81);
      out.write(length);
    } else if (length < 0x10000) {
      out.write(0x82);
      out.write(length >> 8);
      out.write(length);
    } else {
      out.write(0x83);
      out.write(length >> 16);
      out.write(length >> 8);
      out.write(length);
    }
    out.writeBytes(value);
    return out.toByteArray();
  }
}
