package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.faultline.core.Clock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A credentials document with a hostile or damaged password hash is refused with an {@link IOException} naming the
 * file when it is read, rather than being accepted and failing (or hanging) at the next login of that user.
 */
class StoredHashTest {
  private static final String SALT = Base64.getEncoder().encodeToString(new byte[16]);
  private static final String HASH = Base64.getEncoder().encodeToString(new byte[32]);

  @TempDir
  Path dir;

  private IOException refused(String salt, String hash, String iterations) throws IOException {
    Files.writeString(dir.resolve(CredentialStore.FILE), "{\"version\":1,\"nextKeyNumber\":1,\"users\":[{\"name\":"
        + "\"admin\",\"role\":\"ADMIN\",\"salt\":" + salt + ",\"hash\":" + hash + ",\"iterations\":" + iterations
        + "}],\"keys\":[]}");
    IOException e = assertThrows(IOException.class,
        () -> CredentialStore.open(CredentialStore.file(dir), new ObjectMapper(), Clock.system()));
    assertTrue(e.getMessage().contains(CredentialStore.FILE), e.getMessage());
    return e;
  }

  @Test
  void anEmptySaltIsRefused() throws Exception {
    refused("\"\"", "\"" + HASH + "\"", "210000");
  }

  @Test
  void aMissingSaltIsRefused() throws Exception {
    refused("null", "\"" + HASH + "\"", "210000");
  }

  @Test
  void badBase64IsRefused() throws Exception {
    refused("\"" + SALT + "\"", "\"not base64!!\"", "210000");
  }

  @Test
  void anEmptyHashIsRefused() throws Exception {
    refused("\"" + SALT + "\"", "\"\"", "210000");
  }

  @Test
  void anIterationCountThatWouldHangEveryLoginIsRefused() throws Exception {
    refused("\"" + SALT + "\"", "\"" + HASH + "\"", "2147483647");
  }
}
