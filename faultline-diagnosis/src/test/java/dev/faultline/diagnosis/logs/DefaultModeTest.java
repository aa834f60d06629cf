package dev.faultline.diagnosis.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code default} mode's matching rules. */
class DefaultModeTest {

  @Test
  void variablesAreMaskedSoRepeatsOfATemplateShareIt() {
    TemplateMiner miner = TemplateMiner.standard();
    int a = miner.add("Received block blk_-123 of size 67108864 from /10.250.19.102").templateId();
    int b = miner.add("Received block blk_99 of size 3 from /10.0.0.7").templateId();
    assertEquals(a, b);
    assertEquals("Received block <*> of size <*> from <*>", miner.template(a).template());
  }

  @Test
  void differentWordsAreDifferentTemplatesUntilThreeShowAVariableSlot() {
    TemplateMiner miner = TemplateMiner.standard();
    int startup = miner.add("cupsd startup succeeded").templateId();
    int shutdown = miner.add("cupsd shutdown succeeded").templateId();
    assertNotEquals(startup, shutdown);
    int alice = miner.add("session opened for user alice").templateId();
    int bob = miner.add("session opened for user bob").templateId();
    assertNotEquals(alice, bob);
    int carol = miner.add("session opened for user carol").templateId();
    assertEquals(alice, miner.template(bob).id(), "bob's template was merged into alice's");
    assertEquals(alice, carol);
    assertEquals("session opened for user <*>", miner.template(carol).template());
    assertEquals(3, miner.template(alice).count());
    assertEquals("cupsd startup succeeded", miner.template(startup).template());
  }

  @Test
  void theLeadingTokenIsNeverTakenForAVariableSlot() {
    TemplateMiner miner = TemplateMiner.standard();
    int a = miner.add("hcid startup succeeded").templateId();
    int b = miner.add("sdpd startup succeeded").templateId();
    int c = miner.add("klogd startup succeeded").templateId();
    assertEquals(3, List.of(a, b, c).stream().map(id -> miner.template(id).id()).distinct().count());
  }

  @Test
  void aHundredLeadingWordsMakeTheLeadingPositionAVariable() {
    TemplateMiner miner = TemplateMiner.standard();
    Random random = new Random(5);
    Set<String> words = new LinkedHashSet<>();
    while (words.size() < AdaptiveRules.LEADING_SLOT_VALUES) {
      StringBuilder w = new StringBuilder();
      for (int k = 0; k < 7; k++) {
        w.append((char) ('a' + random.nextInt(26)));
      }
      words.add(w.toString());
    }
    int first = -1;
    int n = 0;
    for (String w : words) {
      int id = miner.add(w + " daemon started").templateId();
      first = first < 0 ? id : first;
      n++;
      assertEquals(n < AdaptiveRules.LEADING_SLOT_VALUES ? n : 1, miner.templates().size(), "after " + n + " words");
    }
    assertEquals("<*> daemon started", miner.template(first).template());
    assertEquals(first, miner.add("anotherword daemon started").templateId());
  }

  @Test
  void aVariableInAWordSlotAbsorbsTheTemplatesThatDifferOnlyThere() {
    TemplateMiner miner = TemplateMiner.standard();
    int admin = miner.add("Invalid user admin from 1.2.3.4").templateId();
    int user1 = miner.add("Invalid user user1 from 1.2.3.5").templateId();
    assertEquals(admin, user1, "a variable (with digits) meets a word softly");
    assertEquals("Invalid user <*> from <*>", miner.template(admin).template());
    TemplateMiner other = TemplateMiner.standard();
    int root = other.add("Invalid user root from 1.2.3.4").templateId();
    int guest = other.add("Invalid user guest from 1.2.3.4").templateId();
    assertNotEquals(root, guest);
    int numbered = other.add("Invalid user 42 from 1.2.3.4").templateId();
    assertEquals(other.template(root).id(), other.template(numbered).id());
    assertEquals(other.template(root).id(), other.template(guest).id(), "guest was absorbed once the slot was variable");
  }

  @Test
  void shapesOfBracketsAndKeysDecideSoftConflicts() {
    TemplateMiner miner = TemplateMiner.standard();
    int host = miner.add("connection from 1.2.3.4 (host-1.example.net) at Fri Jun 17 07:07:00 2005").templateId();
    int none = miner.add("connection from 1.2.3.4 () at Mon Jul  4 12:52:44 2005").templateId();
    assertEquals(host, none, "(<*>) and () differ only by a variable");
    int num = miner.add("getRecentTasks: num=20,flags=62,totalTasks=46").templateId();
    int top = miner.add("getRecentTasks: topActivity=ComponentInfo{com.example/com.example.Main}").templateId();
    assertNotEquals(num, top, "different keys");
    int wsNull = miner.add("acquire lock=1, tag=\"View Lock\", ws=null, uid=2").templateId();
    int wsSome = miner.add("acquire lock=3, tag=\"Audio\", ws=WorkSource{10113}, uid=4").templateId();
    assertEquals(wsNull, wsSome, "same key, one value a variable; quoted values are variables");
  }

  @Test
  void aTemplateOfOnlyVariablesDoesNotSwallowMessagesWithWords() {
    TemplateMiner miner = TemplateMiner.standard();
    int numbers = miner.add("sda1 sda2 sda3").templateId();
    int word = miner.add("succeeded").templateId();
    assertEquals("<*>", miner.template(numbers).template());
    assertNotEquals(numbers, word);
  }

  @Test
  void unitsJoinTheirQuantity() {
    TemplateMiner miner = TemplateMiner.standard();
    int kb = miner.add("stored (estimated size 5.2 KB, free 317.1 MB)").templateId();
    int b = miner.add("stored (estimated size 93.0 B, free 317.5 KB)").templateId();
    assertEquals(kb, b);
    assertEquals("stored (estimated size <*>, free <*>)", miner.template(kb).template());
  }

  @Test
  void parametersAreTheRawTextOfEachSlot() {
    TemplateMiner miner = TemplateMiner.standard();
    miner.add("Block broadcast_9 stored as values in memory (estimated size 8.8 KB, free 14.0 KB)");
    assertEquals(Optional.of(List.of("broadcast_12", "8.8 KB", "14.0 KB")),
        miner.parameters("Block broadcast_12 stored as values in memory (estimated size 8.8 KB, free 14.0 KB)"));
    TemplateMiner list = TemplateMiner.standard();
    list.add("failed to resolve name an14 an15 an16");
    assertEquals(Optional.of(List.of("an1 an2 an3")), list.parameters("failed to resolve name an1 an2 an3"));
  }

  @Test
  void sameInputSameTemplatesWhateverTheOrderOfRepeats() {
    List<String> lines = SyntheticMessages.generate(7, 3000);
    TemplateMiner miner = TemplateMiner.standard();
    lines.forEach(miner::add);
    List<String> templates = miner.templates().stream().map(LogTemplate::template).sorted().toList();
    assertEquals(List.of(
        "Accepted password for <*> from <*> port <*>",
        "Block <*> stored as values in memory (estimated size <*>, free <*>)",
        "Finished task <*> in stage <*> (TID <*>). <*> bytes result sent to driver",
        "Invalid user <*> from <*>",
        "PacketResponder <*> for block <*> terminating",
        "Received block <*> of size <*> from <*>",
        "Starting service",
        "session closed for user <*>",
        "session opened for user <*>"), templates);
    assertEquals(lines.size(), miner.templates().stream().mapToLong(LogTemplate::count).sum());
  }
}
