package dev.faultline.diagnosis.logs;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded messages from a few known templates, for tests that need many lines without the shared data. */
final class SyntheticMessages {
  private static final String[] USERS = {"root", "admin", "oracle", "guest", "test", "deploy", "nagios", "pi"};
  private static final String[] HOSTS = {"10.0.0.1", "192.168.3.44", "172.16.8.9", "10.20.30.40"};

  private SyntheticMessages() {}

  /** {@code count} messages, each from one of several templates with random values. */
  static List<String> generate(long seed, int count) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String user = USERS[r.nextInt(USERS.length)];
      String host = HOSTS[r.nextInt(HOSTS.length)];
      switch (r.nextInt(8)) {
        case 0:
          out.add("Accepted password for " + user + " from " + host + " port " + (1024 + r.nextInt(60000)) + " ssh2");
          break;
        case 1:
          out.add("Invalid user " + user + " from " + host);
          break;
        case 2:
          out.add("PacketResponder " + r.nextInt(3) + " for block blk_" + r.nextLong() + " terminating");
          break;
        case 3:
          out.add("Received block blk_" + r.nextLong() + " of size " + r.nextInt(1 << 26) + " from /" + host);
          break;
        case 4:
          out.add("session " + (r.nextBoolean() ? "opened" : "closed") + " for user " + user);
          break;
        case 5:
          out.add("Finished task " + r.nextInt(100) + ".0 in stage " + r.nextInt(10) + ".0 (TID " + r.nextInt(999)
              + "). " + r.nextInt(5000) + " bytes result sent to driver");
          break;
        case 6:
          out.add("Starting service");
          break;
        default:
          out.add("Block broadcast_" + r.nextInt(20) + " stored as values in memory (estimated size " + r.nextInt(900)
              + ".0 KB, free " + r.nextInt(900) + ".1 MB)");
          break;
      }
    }
    return out;
  }
}
