package dev.faultline.console.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The console's users, service keys and pending setup token, kept in {@code credentials.json} in the data directory.
 *
 * <p>File format (version 1), replaced atomically on every change:
 * <pre>
 * {"version": 1,
 *  "setupTokenSha256": "hex" | null,
 *  "users": [{"name": "admin", "role": "ADMIN", "salt": "base64", "hash": "base64" | null, "iterations": 210000}],
 *  "keys":  [{"id": "k1", "service": "payments", "sha256": "hex", "createdAt": epochMillis}]}
 * </pre>
 * A user whose {@code hash} is null has no password yet and cannot log in: that is the admin before setup. Nothing
 * secret is stored in clear: passwords as PBKDF2 hashes ({@link Passwords}), keys and the setup token as SHA-256
 * digests ({@link Secrets}).
 *
 * <h2>Concurrency design</h2>
 * {@code lock} guards {@code users}, {@code keys} and {@code setupTokenDigest}; a change is made and the file's new
 * content rendered under it. {@code fileLock} serializes writes of the file, which happen after {@code lock} is
 * released (no lock held during hashing); the content written is rendered inside {@code fileLock}, so the last write
 * holds the latest state. Thread-safe.
 */
final class CredentialStore {
  static final String FILE = "credentials.json";
  static final String ADMIN = "admin";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  /** A user: name, role and password hash (null before the password is set). */
  record User(String name, Role role, Passwords.Hash password) {}

  /** A service key: its id, the service it reports for, and the digest of the secret. */
  record ServiceKey(String id, String service, String digest, long createdAt) {}

  private final Path file;
  private final ObjectMapper mapper;
  private final Object lock = new Object();
  private final Object fileLock = new Object();
  private final Map<String, User> users = new LinkedHashMap<>();
  private final Map<String, ServiceKey> keys = new LinkedHashMap<>();
  private String setupTokenDigest;
  private long nextKeyNumber = 1;

  private CredentialStore(Path file, ObjectMapper mapper) {
    this.file = file;
    this.mapper = mapper;
  }

  /**
   * Opens the store in {@code dataDir}. On first start, or while setup has not been completed, it (re)creates the
   * admin without a password and returns a new one-time setup token; otherwise it returns empty.
   */
  static Opened open(Path dataDir, ObjectMapper mapper) throws IOException {
    CredentialStore store = new CredentialStore(dataDir.resolve(FILE), mapper);
    if (Files.exists(store.file)) {
      store.load();
    }
    String token = null;
    synchronized (store.lock) {
      User admin = store.users.get(ADMIN);
      if (admin == null || admin.password() == null) {
        store.users.put(ADMIN, new User(ADMIN, Role.ADMIN, null));
        token = Secrets.newSecret("fsetup_");
        store.setupTokenDigest = Secrets.digest(token);
      }
    }
    if (token != null) {
      store.persist();
    }
    return new Opened(store, Optional.ofNullable(token));
  }

  /** A store just opened, and the setup token to show once, if setup is pending. */
  record Opened(CredentialStore store, Optional<String> setupToken) {}

  /** Whether {@code name} is acceptable as a user or service name. */
  static boolean validName(String name) {
    return NAME.matcher(name).matches();
  }

  /**
   * Completes setup: checks the one-time token in constant time, sets the admin's password and forgets the token.
   *
   * @throws ApiException 410 when setup is already done, 401 when the token is wrong
   */
  void completeSetup(String token, Passwords.Hash password) throws IOException {
    String digest = Secrets.digest(token);
    synchronized (lock) {
      if (setupTokenDigest == null) {
        throw new ApiException(410, "setup-done", "setup has already been completed; log in instead");
      }
      if (!Secrets.sameDigest(digest, setupTokenDigest)) {
        throw new ApiException(401, "unauthenticated", "the setup token is not valid");
      }
      setupTokenDigest = null;
      users.put(ADMIN, new User(ADMIN, Role.ADMIN, password));
    }
    persist();
  }

  /**
   * Checks the one-time setup token in constant time without spending it, so that a wrong token costs no password
   * hashing. {@link #completeSetup} checks it again.
   *
   * @throws ApiException 410 when setup is already done, 401 when the token is wrong
   */
  void checkSetupToken(String token) {
    String digest = Secrets.digest(token);
    synchronized (lock) {
      if (setupTokenDigest == null) {
        throw new ApiException(410, "setup-done", "setup has already been completed; log in instead");
      }
      if (!Secrets.sameDigest(digest, setupTokenDigest)) {
        throw new ApiException(401, "unauthenticated", "the setup token is not valid");
      }
    }
  }

  /** The user named {@code name}, if any. */
  Optional<User> user(String name) {
    synchronized (lock) {
      return Optional.ofNullable(users.get(name));
    }
  }

  /**
   * Adds a user.
   *
   * @throws ApiException 409 when the name is taken
   */
  void addUser(String name, Role role, Passwords.Hash password) throws IOException {
    synchronized (lock) {
      if (users.containsKey(name)) {
        throw new ApiException(409, "conflict", "a user named '" + name + "' already exists");
      }
      users.put(name, new User(name, role, password));
    }
    persist();
  }

  /** Creates a key for {@code service} and returns its secret, which is not stored and cannot be shown again. */
  Created addKey(String service, long nowMillis) throws IOException {
    String secret = Secrets.newSecret("fkey_");
    ServiceKey key;
    synchronized (lock) {
      String id = "k" + nextKeyNumber++;
      key = new ServiceKey(id, service, Secrets.digest(secret), nowMillis);
      keys.put(id, key);
    }
    persist();
    return new Created(key, secret);
  }

  /** A key just created, with its secret. */
  record Created(ServiceKey key, String secret) {}

  /** The key whose secret is {@code secret}, compared in constant time against every key. */
  Optional<ServiceKey> keyForSecret(String secret) {
    String digest = Secrets.digest(secret);
    ServiceKey found = null;
    synchronized (lock) {
      for (ServiceKey key : keys.values()) {
        if (Secrets.sameDigest(digest, key.digest())) {
          found = key;
        }
      }
    }
    return Optional.ofNullable(found);
  }

  /** Revokes key {@code id}; returns whether it existed. Requests with it fail from now on. */
  boolean removeKey(String id) throws IOException {
    synchronized (lock) {
      if (keys.remove(id) == null) {
        return false;
      }
    }
    persist();
    return true;
  }

  /** Every user, in the order they were created. */
  List<User> users() {
    synchronized (lock) {
      return List.copyOf(users.values());
    }
  }

  /** The keys, without their secrets. */
  List<ServiceKey> keys() {
    synchronized (lock) {
      return List.copyOf(keys.values());
    }
  }

  private void persist() throws IOException {
    synchronized (fileLock) {
      byte[] content;
      synchronized (lock) {
        content = render();
      }
      DataFiles.replaceAtomically(file, content);
    }
  }

  private byte[] render() throws IOException {
    ObjectNode root = mapper.createObjectNode();
    root.put("version", 1);
    root.put("setupTokenSha256", setupTokenDigest);
    root.put("nextKeyNumber", nextKeyNumber);
    ArrayNode userArray = root.putArray("users");
    Base64.Encoder b64 = Base64.getEncoder();
    for (User user : users.values()) {
      ObjectNode node = userArray.addObject();
      node.put("name", user.name());
      node.put("role", user.role().name());
      if (user.password() == null) {
        node.putNull("salt");
        node.putNull("hash");
        node.putNull("iterations");
      } else {
        node.put("salt", b64.encodeToString(user.password().salt()));
        node.put("hash", b64.encodeToString(user.password().hash()));
        node.put("iterations", user.password().iterations());
      }
    }
    ArrayNode keyArray = root.putArray("keys");
    for (ServiceKey key : keys.values()) {
      ObjectNode node = keyArray.addObject();
      node.put("id", key.id());
      node.put("service", key.service());
      node.put("sha256", key.digest());
      node.put("createdAt", key.createdAt());
    }
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
  }

  private void load() throws IOException {
    JsonNode root = mapper.readTree(Files.readAllBytes(file));
    if (root == null || !root.isObject() || root.path("version").asInt() != 1) {
      throw new IOException(file + ": not a version 1 credentials file");
    }
    Base64.Decoder b64 = Base64.getDecoder();
    List<User> loadedUsers = new ArrayList<>();
    for (JsonNode node : root.path("users")) {
      Role role = Role.parse(node.path("role").asText());
      String name = node.path("name").asText();
      if (role == null || role == Role.REPORTER || !validName(name)) {
        throw new IOException(file + ": bad user entry " + name + " with role " + node.path("role"));
      }
      Passwords.Hash hash = node.path("hash").isNull() || node.path("hash").isMissingNode() ? null
          : new Passwords.Hash(b64.decode(node.path("salt").asText()), b64.decode(node.path("hash").asText()),
              node.path("iterations").asInt());
      if (hash != null && hash.iterations() < 1) {
        throw new IOException(file + ": user " + name + " has no iteration count");
      }
      loadedUsers.add(new User(name, role, hash));
    }
    synchronized (lock) {
      for (User user : loadedUsers) {
        users.put(user.name(), user);
      }
      for (JsonNode node : root.path("keys")) {
        ServiceKey key = new ServiceKey(node.path("id").asText(), node.path("service").asText(),
            node.path("sha256").asText(), node.path("createdAt").asLong());
        keys.put(key.id(), key);
      }
      setupTokenDigest = root.path("setupTokenSha256").isTextual() ? root.path("setupTokenSha256").asText() : null;
      nextKeyNumber = Math.max(root.path("nextKeyNumber").asLong(1), keys.size() + 1L);
    }
  }
}
