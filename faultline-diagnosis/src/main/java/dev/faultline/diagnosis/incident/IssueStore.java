package dev.faultline.diagnosis.incident;

import dev.faultline.core.ConfigurationException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The issues of an {@link IssueTracker} kept in one file, {@value #FILE_NAME}, of a directory; not thread-safe (the
 * tracker serialises writes).
 *
 * <p>The file is UTF-8 text, one record a line:
 * <pre>
 * faultline-issues 1                                     header: magic and format version
 * CRC TAB fingerprint TAB status TAB count TAB firstSeen TAB lastSeen TAB component TAB type TAB message
 * ...                                                    one line per issue
 * end COUNT                                              trailer: the number of issue lines
 * </pre>
 * {@code CRC} is the CRC-32C of the rest of the line (after the tab), as 8 lower-case hex digits; times are ISO-8601
 * instants; text fields escape backslash, tab, newline and carriage return as {@code \\ \t \n \r}, and the message is
 * {@code -} when absent or {@code =} followed by the text; no fingerprint appears twice. A write replaces the whole
 * file atomically: a temporary file is written and forced to disk, renamed over the old one, and the directory is
 * forced. A file that fails any check is reported by an {@link IssueStoreException} naming file and line, and nothing
 * is loaded.
 */
final class IssueStore {
  static final String FILE_NAME = "issues.txt";
  static final String MAGIC = "faultline-issues";
  static final int VERSION = 1;

  private final Path directory;
  private final Path file;

  IssueStore(Path directory) {
    this.directory = directory;
    this.file = directory.resolve(FILE_NAME);
  }

  Path file() {
    return file;
  }

  /** The issues in the file, in file order; none when there is no file yet. */
  List<Issue> load() throws IOException {
    List<String> lines;
    try {
      String content = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
      if (content.endsWith("\n")) {
        content = content.substring(0, content.length() - 1);
      }
      lines = List.of(content.split("\n", -1));
    } catch (NoSuchFileException e) {
      return List.of();
    }
    if (lines.isEmpty() || !lines.get(0).equals(MAGIC + " " + VERSION)) {
      if (!lines.isEmpty() && lines.get(0).startsWith(MAGIC + " ")) {
        throw new IssueStoreException(file, 1, "unsupported format version \""
            + lines.get(0).substring(MAGIC.length() + 1) + "\", this reader knows version " + VERSION);
      }
      throw new IssueStoreException(file, 1, "not an issue store: expected header \"" + MAGIC + " " + VERSION + "\"");
    }
    List<Issue> issues = new ArrayList<>();
    Set<String> fingerprints = new HashSet<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      int number = i + 1;
      if (line.startsWith("end ")) {
        long declared;
        try {
          declared = Long.parseLong(line.substring(4));
        } catch (NumberFormatException e) {
          throw new IssueStoreException(file, number, "malformed trailer \"" + line + "\"");
        }
        if (declared != issues.size()) {
          throw new IssueStoreException(file, number, "trailer declares " + declared + " issues but "
              + issues.size() + " were read");
        }
        if (i + 1 != lines.size()) {
          throw new IssueStoreException(file, number + 1, "text after the trailer");
        }
        return issues;
      }
      Issue issue = parse(line, number);
      if (!fingerprints.add(issue.fingerprint())) {
        // The tracker keys issues by fingerprint: loading both would silently drop one.
        throw new IssueStoreException(file, number, "duplicate fingerprint \"" + issue.fingerprint() + "\"");
      }
      issues.add(issue);
    }
    throw new IssueStoreException(file, lines.size(), "missing trailer: the file is truncated");
  }

  private Issue parse(String line, int number) {
    int tab = line.indexOf('\t');
    if (tab != 8) {
      throw new IssueStoreException(file, number, "expected an 8-digit checksum and a tab");
    }
    String payload = line.substring(9);
    String crc = crc(payload);
    if (!crc.equals(line.substring(0, 8))) {
      throw new IssueStoreException(file, number, "checksum mismatch: stored " + line.substring(0, 8)
          + ", computed " + crc);
    }
    String[] f = payload.split("\t", -1);
    if (f.length != 8) {
      throw new IssueStoreException(file, number, "expected 8 fields but found " + f.length);
    }
    try {
      IssueStatus status = IssueStatus.valueOf(f[1]);
      long count = Long.parseLong(f[2]);
      String message = f[7].equals("-") ? null : f[7].startsWith("=") ? unescape(f[7].substring(1), number) : null;
      if (message == null && !f[7].equals("-")) {
        throw new IssueStoreException(file, number, "message field must be \"-\" or start with \"=\"");
      }
      return new Issue(unescape(f[0], number), unescape(f[5], number), unescape(f[6], number), message,
          Instant.parse(f[3]), Instant.parse(f[4]), count, status);
    } catch (DateTimeException | IllegalArgumentException | ConfigurationException e) {
      throw new IssueStoreException(file, number, "invalid field: " + e.getMessage());
    }
  }

  /** Replaces the file with {@code issues}, atomically and durably. */
  void save(Collection<Issue> issues) throws IOException {
    StringBuilder out = new StringBuilder();
    out.append(MAGIC).append(' ').append(VERSION).append('\n');
    for (Issue issue : issues) {
      String payload = String.join("\t", escape(issue.fingerprint()), issue.status().name(),
          Long.toString(issue.count()), issue.firstSeen().toString(), issue.lastSeen().toString(),
          escape(issue.component()), escape(issue.type()),
          issue.message() == null ? "-" : "=" + escape(issue.message()));
      out.append(crc(payload)).append('\t').append(payload).append('\n');
    }
    out.append("end ").append(issues.size()).append('\n');
    Files.createDirectories(directory);
    Path temp = directory.resolve(FILE_NAME + ".tmp");
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer bytes = ByteBuffer.wrap(out.toString().getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        ch.write(bytes);
      }
      ch.force(true);
    }
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the file system of " + directory + " cannot rename atomically", e);
    }
    forceDirectory();
  }

  private void forceDirectory() throws IOException {
    if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
      return; // Windows cannot open a directory as a channel; NTFS makes the rename durable itself.
    }
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    }
  }

  static String crc(String payload) {
    CRC32C crc = new CRC32C();
    crc.update(payload.getBytes(StandardCharsets.UTF_8));
    return String.format("%08x", crc.getValue());
  }

  static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\':
          out.append("\\\\");
          break;
        case '\t':
          out.append("\\t");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        default:
          out.append(c);
      }
    }
    return out.toString();
  }

  private String unescape(String s, int number) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (++i >= s.length()) {
        throw new IssueStoreException(file, number, "dangling backslash");
      }
      switch (s.charAt(i)) {
        case '\\':
          out.append('\\');
          break;
        case 't':
          out.append('\t');
          break;
        case 'n':
          out.append('\n');
          break;
        case 'r':
          out.append('\r');
          break;
        default:
          throw new IssueStoreException(file, number, "invalid escape \\" + s.charAt(i));
      }
    }
    return out.toString();
  }
}
