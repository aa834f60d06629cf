package dev.faultline.console;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.FaultlineException;
import dev.faultline.state.crypto.KeyProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The key options of the {@code faultline journal} commands, for state directories encrypted at rest: where to read
 * the AES-256 keys the journal segments and checkpoints name by id.
 *
 * <p>Both sources hold entries {@code ID:BASE64KEY} (a positive key id, a colon, the 32-byte key in standard base64):
 * a key file one per line, with blank lines and lines starting with {@code #} ignored; an environment variable
 * separated by spaces, commas or newlines. The highest id is the current key, which seals whatever the command
 * writes (only {@code stress} writes records). Key bytes never appear in messages.
 *
 * <p>Not thread-safe (one instance per command invocation).
 */
final class KeyOptions {
  @Option(names = "--key-file", paramLabel = "FILE",
      description = "keys of an encrypted directory: lines ID:BASE64KEY (32-byte AES-256 keys; # comments)")
  Path keyFile;

  @Option(names = "--key-env", paramLabel = "VAR",
      description = "keys of an encrypted directory from an environment variable: ID:BASE64KEY entries")
  String keyEnv;

  /** Reads environment variables; tests replace it. */
  Function<String, String> environment = System::getenv;

  /** Whether a key option was given. */
  boolean given() {
    return keyFile != null || keyEnv != null;
  }

  /**
   * The keys the options name, or {@code null} if none was given.
   *
   * @throws CommandLine.ParameterException naming the option, and the line or entry, that is wrong
   */
  KeyProvider provider(CommandLine commandLine, Consumer<String> warnings) {
    if (keyFile != null && keyEnv != null) {
      throw new CommandLine.ParameterException(commandLine, "give either --key-file or --key-env, not both");
    }
    if (keyFile != null) {
      String text;
      try {
        text = Files.readString(keyFile, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new CommandLine.ParameterException(commandLine, "--key-file " + keyFile + " cannot be read: " + e);
      }
      warnIfReadableByOthers(warnings);
      return parse(commandLine, "--key-file " + keyFile, text, true);
    }
    if (keyEnv != null) {
      String text = environment.apply(keyEnv);
      if (text == null) {
        throw new CommandLine.ParameterException(commandLine, "--key-env " + keyEnv
            + ": the environment variable is not set");
      }
      return parse(commandLine, "--key-env " + keyEnv, text, false);
    }
    return null;
  }

  private void warnIfReadableByOthers(Consumer<String> warnings) {
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(keyFile);
      if (permissions.contains(PosixFilePermission.GROUP_READ)
          || permissions.contains(PosixFilePermission.OTHERS_READ)) {
        warnings.accept("faultline: warning: key file " + keyFile + " is readable by other users (chmod 600 it)");
      }
    } catch (UnsupportedOperationException | IOException e) {
      // No POSIX permissions here (or they cannot be read): nothing to warn about.
    }
  }

  /** Parses {@code ID:BASE64KEY} entries; {@code lines} says whether entries are lines (file) or tokens (env). */
  static KeyProvider parse(CommandLine commandLine, String source, String text, boolean lines) {
    Map<Integer, byte[]> keys = new TreeMap<>();
    String[] entries = lines ? text.split("\r?\n", -1) : text.trim().split("[\\s,]+");
    for (int i = 0; i < entries.length; i++) {
      String entry = entries[i].trim();
      if (entry.isEmpty() || (lines && entry.startsWith("#"))) {
        continue;
      }
      String where = source + (lines ? " line " : " entry ") + (i + 1);
      int colon = entry.indexOf(':');
      int id;
      try {
        id = colon > 0 ? Integer.parseInt(entry.substring(0, colon)) : -1;
      } catch (NumberFormatException e) {
        id = -1;
      }
      if (id <= 0) {
        throw new CommandLine.ParameterException(commandLine, where
            + ": expected ID:BASE64KEY with a positive key id before the colon");
      }
      byte[] key;
      try {
        key = Base64.getDecoder().decode(entry.substring(colon + 1));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(commandLine, where + ": the key of id " + id
            + " is not valid base64");
      }
      if (key.length != 32) {
        throw new CommandLine.ParameterException(commandLine, where + ": the key of id " + id + " is "
            + key.length + " bytes; AES-256 keys are 32 bytes");
      }
      if (keys.put(id, key) != null) {
        throw new CommandLine.ParameterException(commandLine, where + ": key id " + id + " is given twice");
      }
    }
    if (keys.isEmpty()) {
      throw new CommandLine.ParameterException(commandLine, source + " holds no keys (expected ID:BASE64KEY)");
    }
    try {
      return KeyProvider.of(((TreeMap<Integer, byte[]>) keys).lastKey(), keys);
    } catch (ConfigurationException e) {
      throw new CommandLine.ParameterException(commandLine, source + ": " + e.getMessage());
    }
  }

  /**
   * {@code error} unchanged, unless it (or a cause) is a missing- or wrong-key error of the journal or the
   * checkpoints: then one saying which option passes keys, or that the keys given do not fit.
   */
  RuntimeException explain(RuntimeException error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof FaultlineException && ((FaultlineException) t).code().endsWith("-crypto")) {
        String hint = given() ? "; check that " + (keyFile != null ? "--key-file " + keyFile : "--key-env " + keyEnv)
            + " holds the key with that id" : "; pass its keys with --key-file FILE or --key-env VAR";
        return new KeyError(error.getMessage() + hint, error);
      }
    }
    return error;
  }

  /** A key error of the journal or the checkpoints, with a hint about the key options. */
  static final class KeyError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    KeyError(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
