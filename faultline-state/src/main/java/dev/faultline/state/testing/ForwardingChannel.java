package dev.faultline.state.testing;

import dev.faultline.state.io.StorageChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A {@link StorageChannel} that passes every operation to another one: a test overrides the one it makes slow, gated,
 * failing or counted, and calls {@link #channel} for the real thing.
 *
 * <p>Thread-safe if the wrapped channel is.
 */
public class ForwardingChannel implements StorageChannel {
  /** The channel every operation goes to. */
  protected final StorageChannel channel;

  /** Forwards to {@code channel}. */
  public ForwardingChannel(StorageChannel channel) {
    this.channel = channel;
  }

  @Override
  public int write(ByteBuffer source, long position) throws IOException {
    return channel.write(source, position);
  }

  @Override
  public int read(ByteBuffer target, long position) throws IOException {
    return channel.read(target, position);
  }

  @Override
  public void force() throws IOException {
    channel.force();
  }

  @Override
  public long size() throws IOException {
    return channel.size();
  }

  @Override
  public void truncate(long size) throws IOException {
    channel.truncate(size);
  }

  @Override
  public Optional<ByteBuffer> mapReadOnly(long position, int size) throws IOException {
    return channel.mapReadOnly(position, size);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
