package dev.faultline.diagnosis.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many threads mining at once lose no line and never see a template that does not cover their message. */
class TemplateMinerConcurrencyTest {
  private static final int THREADS = 4;

  @Test
  void defaultModeUnderContention() throws Exception {
    run(TemplateMiner.standard());
  }

  @Test
  void drainModeUnderContention() throws Exception {
    run(TemplateMiner.drain().maskingRegex("\\d+").similarityThreshold(0.5).depth(4).build());
  }

  @Test
  void snapshotsTakenWhileMiningAlwaysRestore() throws Exception {
    TemplateMiner miner = TemplateMiner.standard();
    List<String> lines = new ArrayList<>(SyntheticMessages.generate(13, 3_000));
    Random words = new Random(17);
    for (int i = 0; i < 3_000; i++) {
      // a new leading word founds a new template every time
      StringBuilder w = new StringBuilder();
      for (int k = 0; k < 8; k++) {
        w.append((char) ('a' + words.nextInt(26)));
      }
      lines.add(w + " started");
    }
    CyclicBarrier start = new CyclicBarrier(THREADS);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < THREADS - 1; t++) {
      List<String> part = new ArrayList<>(lines);
      Collections.shuffle(part, new Random(100 + t));
      done.add(pool.submit(() -> {
        start.await(10, TimeUnit.SECONDS);
        part.forEach(miner::add);
        return null;
      }));
    }
    done.add(pool.submit(() -> {
      start.await(10, TimeUnit.SECONDS);
      for (int i = 0; i < 20; i++) {
        StringWriter out = new StringWriter();
        miner.writeSnapshot(out);
        TemplateMiner restored = TemplateMiner.readSnapshot(new StringReader(out.toString()));
        assertTrue(restored.templates().stream().mapToLong(LogTemplate::count).sum() <= 3L * lines.size());
      }
      return null;
    }));
    pool.shutdown();
    assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
    for (Future<?> f : done) {
      f.get();
    }
  }

  private static void run(TemplateMiner miner) throws Exception {
    List<String> lines = SyntheticMessages.generate(11, 6_000);
    CyclicBarrier start = new CyclicBarrier(THREADS);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Future<int[]>> results = new ArrayList<>();
    List<List<String>> parts = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      List<String> part = new ArrayList<>(lines);
      Collections.shuffle(part, new Random(t));
      parts.add(part);
      results.add(pool.submit(() -> {
        start.await(10, TimeUnit.SECONDS);
        int[] ids = new int[part.size()];
        for (int i = 0; i < part.size(); i++) {
          TemplateMatch m = miner.add(part.get(i));
          assertTrue(covers(m.tokens(), miner.tokenize(part.get(i))), m + " does not cover " + part.get(i));
          ids[i] = m.templateId();
        }
        return ids;
      }));
    }
    pool.shutdown();
    assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
    long total = miner.templates().stream().mapToLong(LogTemplate::count).sum();
    assertEquals((long) THREADS * lines.size(), total, "every line counted once");
    for (int t = 0; t < THREADS; t++) {
      int[] ids = results.get(t).get();
      for (int i = 0; i < ids.length; i++) {
        String line = parts.get(t).get(i);
        LogTemplate now = miner.template(ids[i]);
        assertTrue(covers(now.tokens(), miner.tokenize(line)), now + " does not cover " + line);
      }
    }
  }

  /** Whether a template covers a message: same length, equal tokens wherever the template has no wildcard. */
  static boolean covers(List<String> template, String[] tokens) {
    if (template.size() != tokens.length) {
      return false;
    }
    for (int i = 0; i < tokens.length; i++) {
      if (!template.get(i).equals(TemplateMiner.WILDCARD) && !template.get(i).equals(tokens[i])) {
        return false;
      }
    }
    return true;
  }
}
