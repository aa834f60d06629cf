package dev.faultline.state.crypto;

import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Files put into and read from a {@link SimulatedStorage} by the crypto tests. */
final class SimulatedFiles {
  private SimulatedFiles() {}

  /** Every file of {@code directories} with its bytes (boxed, so that maps compare by content). */
  static Map<Path, List<Byte>> everything(SimulatedStorage disk, Path... directories) throws Exception {
    Map<Path, List<Byte>> files = new TreeMap<>();
    for (Path directory : directories) {
      for (Path file : disk.list(directory)) {
        List<Byte> boxed = new ArrayList<>();
        for (byte b : disk.contents(file)) {
          boxed.add(b);
        }
        files.put(file, boxed);
      }
    }
    return files;
  }

  /** Creates {@code file} with {@code bytes}, durably (forced, and its directory too). */
  static void create(SimulatedStorage disk, Path file, byte[] bytes) throws Exception {
    disk.createDirectories(file.getParent());
    try (StorageChannel channel = disk.open(file, StorageIo.OpenMode.CREATE_NEW)) {
      channel.writeFully(ByteBuffer.wrap(bytes), 0);
      channel.force();
    }
    disk.forceDirectory(file.getParent());
  }
}
