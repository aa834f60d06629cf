package dev.faultline.diagnosis.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The general masking rules of {@code default} mode, one by one. */
class GenericMaskerTest {

  private static void masks(String expected, String message) {
    assertEquals(expected, GenericMasker.mask(message), message);
  }

  @Test
  void atomsWithDigitsAreVariables() {
    masks("PacketResponder <*> for block <*> terminating", "PacketResponder 1 for block blk_-1608 terminating");
    masks("<*> Served block <*> to <*>", "10.250.19.102:50010 Served block blk_1 to /10.250.19.102");
    masks("uid=<*> euid=<*> tty=NODEVssh", "uid=0 euid=0 tty=NODEVssh");
    masks("<*>() Found child <*>", "jk2_init() Found child 6725");
  }

  @Test
  void valuePunctuationJoinsVariablesButShapesStay() {
    masks("<*>", "12:30:01.455");
    masks("<*>", "0x1f,");
    masks("(<*>)", "(24-54-76-216.bflony.adelphia.net)");
    masks("[<*>]", "[173.234.31.186]");
    masks("key=<*>|<*>", "key=1|2");
  }

  @Test
  void datesCollapse() {
    masks("at <*>", "at Fri Jun 17 07:07:00 2005");
    masks("(Release Date: <*> <*>)", "(Release Date: Mon Sep 27 22:15:07 EDT 2004)");
    masks("Monkey business", "Monkey business");
  }

  @Test
  void pathsAndUrlsAreVariables() {
    masks("ok <*>", "ok /etc/httpd/conf/workers.properties");
    masks("Connecting to driver: <*>", "Connecting to driver: spark://CoarseGrainedScheduler@10.10.34.11:48069");
    masks("read-only a / b", "read-only a / b");
    masks("Loaded C:<*>", "Loaded C:\\Windows\\winsxs");
  }

  @Test
  void quotedValuesAndUnits() {
    masks("tag=<*>, name=android", "tag=\"View Lock\", name=android");
    masks("said \"hello there\"", "said \"hello there\"");
    masks("size <*>, free <*>)", "size 5.2 KB, free 317.1 MB)");
    masks("took <*>", "took 30 ms");
    masks("B is a letter", "B is a letter");
  }

  @Test
  void consecutiveVariablesCollapseAndWhitespaceIsPythons() {
    masks("name <*> end", "name an14 an15 an16 end");
    masks("a b", "\u2003a\u00a0 b\u001f");
    masks("", "   ");
  }
}
