package dev.faultline.state.journal;

import dev.faultline.state.io.StorageChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/** A channel passed through unchanged: tests override the one operation they make slow, gated, failing or counted. */
class ForwardingChannel implements StorageChannel {
  final StorageChannel channel;

  ForwardingChannel(StorageChannel channel) {
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
