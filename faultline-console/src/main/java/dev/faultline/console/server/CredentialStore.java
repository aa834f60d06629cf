package dev.faultline.console.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.faultline.core.Clock;
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
 * The console's users, service keys and pending setup token: one JSON document, in {@code credentials.json} in the
 * data directory or, for several console instances, in the shared database ({@link Persistence}).
 *
 * <p>Document format (version 1), replaced as a whole on every change:
 * <pre>
 * {"version": 1,
 *  "setupTokenSha256": "hex" | null,
 *  "nextKeyNumber": 4,
 *  "users": [{"name": "admin", "role": "ADMIN", "salt": "base64", "hash": "base64" | null, "iterations": 210000}],
 *  "keys":  [{"id": "k1", "service": "payments", "sha256": "hex", "createdAt": epochMillis}]}
 * </pre>
 * A user whose {@code hash} is null has no password yet and cannot log in: that is the admin before setup. Nothing
 * secret is stored in clear: passwords as PBKDF2 hashes ({@link Passwords}), keys and the setup token as SHA-256
 * digests ({@link Secrets}).
 *
 * <p>Every change is a read-modify-write: the change is made to the latest document and written only if no other
 * instance wrote in between (compare-and-set on the document's version); otherwise the document is read again and the
 * change made again. A shared document is read again when it is older than {@link #REFRESH}, so a key revoked on one
 * instance stops working on the others within that time.
 *
 * <h2>Concurrency design</h2>
 * {@code lock} guards {@code users}, {@code keys}, {@code setupTokenDigest}, {@code nextKeyNumber}, {@code version}
 * and {@code loadedAtNanos}; it is held only to read or replace them, never during I/O or hashing. {@code writeLock}
 * serializes this process's changes (read, change, write) and reloads, so that neither lands inside another; it is
 * held during their I/O, and taken before {@code lock}. Thread-safe.
 */
final class CredentialStore {
  static final String FILE = "credentials.json";
  static final String ADMIN = "admin";
  /** How old a shared document may be before a read fetches it again. */
  static final java.time.Duration REFRESH = java.time.Duration.ofSeconds(1);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final int MAX_ATTEMPTS = 20;

  /** A user: name, role and password hash (null before the password is set). */
  record User(String name, Role role, Passwords.Hash password) {}

  /** A service key: its id, the service it reports for, and the digest of the secret. */
  record ServiceKey(String id, String service, String digest, long createdAt) {}

  /** Where the document lives. Implementations are thread-safe. */
  interface Persistence {
    /** A document and its version (0 when there is none yet; content null). */
    record Snapshot(byte[] content, long version) {}

    /** The current document. */
    Snapshot read() throws IOException;

    /** Writes {@code content} if the stored version is still {@code expected}; returns false when it is not. */
    boolean write(byte[] content, long expected) throws IOException;

    /** Whether other processes may change the document (then reads refresh it). */
    boolean shared();

    /** The stored version, without the document (cheap: checked when a lookup misses). */
    long version() throws IOException;
  }

  /** The document in {@code credentials.json} of a data directory, replaced atomically; this process only. */
  static Persistence file(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    return new Persistence() {
      @Override
      public Snapshot read() throws IOException {
        return Files.exists(file) ? new Snapshot(Files.readAllBytes(file), 1) : new Snapshot(null, 0);
      }

      @Override
      public boolean write(byte[] content, long expected) throws IOException {
        DataFiles.replaceAtomically(file, content);
        return true;
      }

      @Override
      public boolean shared() {
        return false;
      }

      @Override
      public long version() {
        return 1;
      }
    };
  }

  private final Persistence persistence;
  private final ObjectMapper mapper;
  private final Clock clock;
  private final Object lock = new Object();
  private final Object writeLock = new Object();
  private final Map<String, User> users = new LinkedHashMap<>();
  private final Map<String, ServiceKey> keys = new LinkedHashMap<>();
  private String setupTokenDigest;
  private long nextKeyNumber = 1;
  private long version;
  private long loadedAtNanos;

  private CredentialStore(Persistence persistence, ObjectMapper mapper, Clock clock) {
    this.persistence = persistence;
    this.mapper = mapper;
    this.clock = clock;
  }

  /**
   * Opens the store. On first start, or while setup has not been completed, it (re)creates the admin without a
   * password and returns a new one-time setup token (which voids any earlier one); otherwise it returns empty.
   */
  static Opened open(Persistence persistence, ObjectMapper mapper, Clock clock) throws IOException {
    CredentialStore store = new CredentialStore(persistence, mapper, clock);
    store.reload();
    if (store.user(ADMIN).map(User::password).isPresent()) {
      return new Opened(store, Optional.empty());
    }
    String token = Secrets.newSecret("fsetup_");
    boolean pending = store.change(() -> {
      User admin = store.users.get(ADMIN);
      if (admin != null && admin.password() != null) {
        return false;
      }
      store.users.put(ADMIN, new User(ADMIN, Role.ADMIN, null));
      store.setupTokenDigest = Secrets.digest(token);
      return true;
    });
    return new Opened(store, pending ? Optional.of(token) : Optional.empty());
  }

  /** A store just opened, and the setup token to show once, if setup is pending. */
  record Opened(CredentialStore store, Optional<String> setupToken) {}

  /** A change of the state, made under {@code lock}; returns its result, or throws to make no change. */
  @FunctionalInterface
  private interface Change<T> {
    T apply() throws IOException;
  }

  /** Makes {@code change} on the latest document and writes it, again on a newer document when another wrote first. */
  private <T> T change(Change<T> change) throws IOException {
    synchronized (writeLock) {
      for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        if (persistence.shared() || attempt > 0) {
          reload();
        }
        T result;
        byte[] content;
        long expected;
        synchronized (lock) {
          result = change.apply();
          content = render();
          expected = version;
        }
        boolean written;
        try {
          written = persistence.write(content, expected);
        } catch (IOException | RuntimeException e) {
          reloadQuietly(e);
          throw e;
        }
        if (written) {
          synchronized (lock) {
            version = expected + 1;
            loadedAtNanos = clock.nanoTime();
          }
          return result;
        }
      }
    }
    throw new IOException("the credentials kept changing under this console (" + MAX_ATTEMPTS
        + " attempts); try again");
  }

  private void reloadQuietly(Exception cause) {
    try {
      reload();
    } catch (IOException | RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  /**
   * After a lookup missed (no such key, no such user, another setup token), reads a shared document again if another
   * instance changed it since, so that what one instance creates works on the others at once.
   */
  private void refreshAfterMiss() {
    try {
      long stored = persistence.version();
      synchronized (lock) {
        if (stored == version) {
          return;
        }
      }
      reload();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read the shared credentials", e);
    }
  }

  /** Reads the shared document again if it is older than {@link #REFRESH}. */
  private void refreshIfStale() {
    if (!persistence.shared()) {
      return;
    }
    synchronized (lock) {
      if (clock.nanoTime() - loadedAtNanos < REFRESH.toNanos()) {
        return;
      }
    }
    try {
      reload();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read the shared credentials", e);
    }
  }

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
    change(() -> {
      checkSetupDigest(digest);
      setupTokenDigest = null;
      users.put(ADMIN, new User(ADMIN, Role.ADMIN, password));
      return null;
    });
  }

  /** Caller holds {@code lock}. */
  private void checkSetupDigest(String digest) {
    if (setupTokenDigest == null) {
      throw new ApiException(410, "setup-done", "setup has already been completed; log in instead");
    }
    if (!Secrets.sameDigest(digest, setupTokenDigest)) {
      throw new ApiException(401, "unauthenticated", "the setup token is not valid");
    }
  }

  /**
   * Checks the one-time setup token in constant time without spending it, so that a wrong token costs no password
   * hashing. {@link #completeSetup} checks it again.
   *
   * @throws ApiException 410 when setup is already done, 401 when the token is wrong
   */
  void checkSetupToken(String token) {
    String digest = Secrets.digest(token);
    refreshIfStale();
    try {
      synchronized (lock) {
        checkSetupDigest(digest);
      }
    } catch (ApiException e) {
      if (!persistence.shared()) {
        throw e;
      }
      refreshAfterMiss();
      synchronized (lock) {
        checkSetupDigest(digest);
      }
    }
  }

  /** The user named {@code name}, if any. */
  Optional<User> user(String name) {
    refreshIfStale();
    User user;
    synchronized (lock) {
      user = users.get(name);
    }
    if ((user == null || user.password() == null) && persistence.shared()) {
      refreshAfterMiss();
      synchronized (lock) {
        user = users.get(name);
      }
    }
    return Optional.ofNullable(user);
  }

  /**
   * Adds a user.
   *
   * @throws ApiException 409 when the name is taken
   */
  void addUser(String name, Role role, Passwords.Hash password) throws IOException {
    change(() -> {
      if (users.containsKey(name)) {
        throw new ApiException(409, "conflict", "a user named '" + name + "' already exists");
      }
      users.put(name, new User(name, role, password));
      return null;
    });
  }

  /** Creates a key for {@code service} and returns its secret, which is not stored and cannot be shown again. */
  Created addKey(String service, long nowMillis) throws IOException {
    String secret = Secrets.newSecret("fkey_");
    String digest = Secrets.digest(secret);
    ServiceKey key = change(() -> {
      String id = "k" + nextKeyNumber++;
      ServiceKey created = new ServiceKey(id, service, digest, nowMillis);
      keys.put(id, created);
      return created;
    });
    return new Created(key, secret);
  }

  /** A key just created, with its secret. */
  record Created(ServiceKey key, String secret) {}

  /** The key whose secret is {@code secret}, compared in constant time against every key. */
  Optional<ServiceKey> keyForSecret(String secret) {
    String digest = Secrets.digest(secret);
    refreshIfStale();
    ServiceKey found = findKey(digest);
    if (found == null && persistence.shared()) {
      // Look again even when this thread did not reload: another thread may have just done it.
      refreshAfterMiss();
      found = findKey(digest);
    }
    return Optional.ofNullable(found);
  }

  private ServiceKey findKey(String digest) {
    ServiceKey found = null;
    synchronized (lock) {
      for (ServiceKey key : keys.values()) {
        if (Secrets.sameDigest(digest, key.digest())) {
          found = key;
        }
      }
    }
    return found;
  }

  /** Revokes key {@code id}; returns whether it existed. Requests with it fail from now on. */
  boolean removeKey(String id) throws IOException {
    if (!keys().stream().anyMatch(k -> k.id().equals(id))) {
      return false;
    }
    return change(() -> keys.remove(id) != null);
  }

  /** Every user, in the order they were created. */
  List<User> users() {
    refreshIfStale();
    synchronized (lock) {
      return List.copyOf(users.values());
    }
  }

  /** The keys, without their secrets. */
  List<ServiceKey> keys() {
    refreshIfStale();
    synchronized (lock) {
      return List.copyOf(keys.values());
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

  /** Reads the document and replaces the state with it (an empty state when there is none yet). */
  private void reload() throws IOException {
    // Under writeLock: a reload must not land between a change made in memory and its write (the write would then
    // store a change that memory no longer holds, at the version memory believes current).
    synchronized (writeLock) {
      reloadHoldingWriteLock();
    }
  }

  /**
   * The password hash of the user entry {@code node}, checked so that a damaged or hostile document is refused here,
   * naming the file, rather than failing or hanging at that user's next login.
   */
  private static Passwords.Hash storedHash(JsonNode node, String name) throws IOException {
    JsonNode salt = node.path("salt");
    JsonNode hash = node.path("hash");
    JsonNode iterations = node.path("iterations");
    if (!salt.isTextual() || !hash.isTextual() || !iterations.canConvertToInt() || !iterations.isIntegralNumber()) {
      throw new IOException(FILE + ": user " + name + " needs a salt and hash (base64) and an iteration count");
    }
    Passwords.Hash parsed;
    try {
      Base64.Decoder b64 = Base64.getDecoder();
      parsed = new Passwords.Hash(b64.decode(salt.asText()), b64.decode(hash.asText()), iterations.intValue());
    } catch (IllegalArgumentException e) {
      throw new IOException(FILE + ": user " + name + " has a salt or hash that is not base64");
    }
    String problem = Passwords.problem(parsed);
    if (problem != null) {
      throw new IOException(FILE + ": user " + name + "'s password hash " + problem);
    }
    return parsed;
  }

  private void reloadHoldingWriteLock() throws IOException {
    Persistence.Snapshot snapshot = persistence.read();
    List<User> loadedUsers = new ArrayList<>();
    List<ServiceKey> loadedKeys = new ArrayList<>();
    String setup = null;
    long next = 1;
    if (snapshot.content() != null) {
      JsonNode root = mapper.readTree(snapshot.content());
      if (root == null || !root.isObject() || root.path("version").asInt() != 1) {
        throw new IOException(FILE + ": not a version 1 credentials document");
      }
      for (JsonNode node : root.path("users")) {
        Role role = Role.parse(node.path("role").asText());
        String name = node.path("name").asText();
        if (role == null || role == Role.REPORTER || !validName(name)) {
          throw new IOException(FILE + ": bad user entry " + name + " with role " + node.path("role"));
        }
        Passwords.Hash hash = node.path("hash").isNull() || node.path("hash").isMissingNode() ? null
            : storedHash(node, name);
        loadedUsers.add(new User(name, role, hash));
      }
      for (JsonNode node : root.path("keys")) {
        loadedKeys.add(new ServiceKey(node.path("id").asText(), node.path("service").asText(),
            node.path("sha256").asText(), node.path("createdAt").asLong()));
      }
      setup = root.path("setupTokenSha256").isTextual() ? root.path("setupTokenSha256").asText() : null;
      next = Math.max(root.path("nextKeyNumber").asLong(1), loadedKeys.size() + 1L);
    }
    synchronized (lock) {
      users.clear();
      keys.clear();
      for (User user : loadedUsers) {
        users.put(user.name(), user);
      }
      for (ServiceKey key : loadedKeys) {
        keys.put(key.id(), key);
      }
      setupTokenDigest = setup;
      nextKeyNumber = next;
      version = snapshot.version();
      loadedAtNanos = clock.nanoTime();
    }
  }
}
