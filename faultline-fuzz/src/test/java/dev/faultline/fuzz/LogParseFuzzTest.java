package dev.faultline.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.faultline.core.ConfigurationException;
import dev.faultline.diagnosis.logs.DrainSettings;
import dev.faultline.diagnosis.logs.LogFormat;
import dev.faultline.diagnosis.logs.LogTemplate;
import dev.faultline.diagnosis.logs.TemplateMiner;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code faultline logs parse} reads, under Jazzer: a log of any bytes, parsed with one of the Loghub header
 * formats by both template miners, and header formats of any text. Nothing may throw but the documented errors; a
 * miner's snapshot reads back to a miner that writes the same snapshot and matches as the original.
 */
class LogParseFuzzTest {
  private static final List<LogFormat> FORMATS = List.of(
      LogFormat.compile("<Date> <Time> <Pid> <Level> <Component>: <Content>"),
      LogFormat.compile("<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>"),
      LogFormat.compile("<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>"),
      LogFormat.compile("<Time>\\|<Component>\\|<Pid>\\|<Content>"),
      LogFormat.compile("\\[<Time>\\] \\[<Level>\\] <Content>"),
      LogFormat.compile("<Content>"));
  private static final DrainSettings DRAIN = new DrainSettings(
      List.of("blk_(|-)[0-9]+", "(/|)([0-9]+\\.){3}[0-9]+(:[0-9]+|)(:|)", "(?<=[^A-Za-z0-9])(\\-?\\+?\\d+)(?=[^A-Za-z0-9])|[0-9]+$"),
      0.5, 4, 100);
  /**
   * The first byte picks the header format; the rest is the log, bytes as they are (not always UTF-8), split into lines
   * and decoded as {@code logs parse} reads a file ({@code LogFileParser}: {@code \n}, {@code \r\n} or {@code \r},
   * malformed UTF-8 replaced). In memory rather than through a file, which made the fuzzer 50 times slower.
   */
  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({"081109 203615 148 INFO dfs.DataNode$PacketResponder: ", "2015-07-29 17:41:44,747 - INFO  [",
      "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: ", "20171223-22:15:29:606|Step_LSC|30002312|",
      "[Sun Dec 04 04:47:44 2005] [error] ", "blk_-1608999687919862906", "/10.251.73.220:50010", ": ", "<*>"})
  void parse(byte[] input) throws IOException {
    if (input.length == 0) {
      return;
    }
    LogFormat format = FORMATS.get(Math.floorMod(input[0], FORMATS.size()));
    List<String> contents = new ArrayList<>();
    try (BufferedReader lines = new BufferedReader(new StringReader(new String(input, 1, input.length - 1,
        StandardCharsets.UTF_8)))) {
      String line;
      while ((line = lines.readLine()) != null) {
        format.parse(line).ifPresent(r -> contents.add(r.content()));
      }
    }
    for (TemplateMiner miner : List.of(TemplateMiner.standard(), TemplateMiner.drain(DRAIN))) {
      List<Integer> ids = new ArrayList<>();
      for (String content : contents) {
        ids.add(miner.add(content).templateId());
      }
      for (int i = 0; i < contents.size(); i++) {
        LogTemplate template = miner.template(ids.get(i));
        assertTrue(template.count() >= 1, "a line's template counts it");
        miner.parameters(contents.get(i));
      }
      StringWriter snapshot = new StringWriter();
      miner.writeSnapshot(snapshot);
      TemplateMiner restored = TemplateMiner.readSnapshot(new StringReader(snapshot.toString()));
      StringWriter again = new StringWriter();
      restored.writeSnapshot(again);
      assertEquals(snapshot.toString(), again.toString(), "a snapshot reads back to the same miner");
      for (String content : contents) {
        assertEquals(miner.match(content).map(m -> m.templateId() + " " + m.tokens()),
            restored.match(content).map(m -> m.templateId() + " " + m.tokens()),
            "the restored miner matches as the original");
      }
    }
  }

  /**
   * A header format of any text, then lines to match: the format compiles or is refused with a
   * {@link ConfigurationException}, and matching never throws or stalls.
   */
  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({"<Content>", "<Date>", "<Time>", "<Level>", "\\[", "\\]", "(", ")?", " ", "  ", "\\|", ".*",
      "\\s+", "(?<f0>"})
  void formats(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    int cut = text.indexOf('\n');
    String formatText = cut < 0 ? text : text.substring(0, cut);
    LogFormat format;
    try {
      format = LogFormat.compile(formatText);
    } catch (ConfigurationException e) {
      assertTrue(e.getMessage().contains("logFormat"), e::getMessage);
      return;
    }
    for (String line : (cut < 0 ? "" : text.substring(cut + 1)).split("\n", -1)) {
      format.parse(line).ifPresent(r -> assertEquals(format.fields().size(), r.values().size()));
    }
  }

  /**
   * A template miner snapshot of any text: it reads into a miner or fails with the reader's
   * {@link IllegalArgumentException} naming the line; a miner that was read writes the snapshot back the same way.
   */
  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({"faultline-template-miner 1", "mode drain", "mode default", "masking-regex ",
      "similarity-threshold ", "depth ", "max-children ", "next-id ", "template ", "seen ", "end ", "<*>", "%20"})
  void snapshot(byte[] input) throws IOException {
    TemplateMiner miner;
    try {
      miner = TemplateMiner.readSnapshot(new StringReader(new String(input, StandardCharsets.UTF_8)));
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage().startsWith("template snapshot line "), e::getMessage);
      return;
    }
    StringWriter once = new StringWriter();
    miner.writeSnapshot(once);
    StringWriter twice = new StringWriter();
    TemplateMiner.readSnapshot(new StringReader(once.toString())).writeSnapshot(twice);
    assertEquals(once.toString(), twice.toString(), "a snapshot that was read writes back the same");
  }
}
