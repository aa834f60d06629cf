package dev.faultline.state.crypto;

import dev.faultline.state.Codec;
import dev.faultline.state.StateMachine;
import java.nio.charset.StandardCharsets;

/** The state the crypto tests recover: a running sum of events that are decimal numbers, kept as decimal text. */
final class SumState {
  private SumState() {}

  /** Adds each event, a decimal number, to the sum; 0 at first. */
  static StateMachine<Long, String> machine() {
    return new StateMachine<>() {
      @Override
      public Long initial() {
        return 0L;
      }

      @Override
      public Long apply(Long state, String event) {
        return state + Long.parseLong(event);
      }
    };
  }

  /** The sum as decimal text. */
  static Codec<Long> codec() {
    return new Codec<>() {
      @Override
      public byte[] encode(Long value) {
        return value.toString().getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public Long decode(byte[] bytes) {
        return Long.parseLong(new String(bytes, StandardCharsets.UTF_8));
      }
    };
  }
}
