package dev.faultline.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.faultline.diagnosis.fta.FaultTreeModel;
import dev.faultline.diagnosis.fta.MefException;
import dev.faultline.diagnosis.fta.MefReader;
import dev.faultline.diagnosis.fta.MefWriter;

/**
 * The Open-PSA MEF reader under Jazzer: any bytes either read into a model or fail with a {@link MefException} that
 * names the file, and a model that was read writes back to a document that reads to the same model.
 *
 * <p>The normal build replays the inputs in {@code MefReaderFuzzTestInputs/read}; fuzzing is one command in
 * {@code README.md} of this module's parent.
 */
class MefReaderFuzzTest {

  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({"<opsa-mef>", "</opsa-mef>", "<define-fault-tree name=\"", "</define-fault-tree>",
      "<define-gate name=\"", "</define-gate>", "<define-basic-event name=\"", "</define-basic-event>",
      "<define-house-event name=\"", "<define-parameter name=\"", "</define-parameter>", "<define-component",
      "<model-data>", "</model-data>", "<define-CCF-group name=\"", "model=\"beta-factor\"", "model=\"MGL\"",
      "model=\"alpha-factor\"", "model=\"phi-factor\"", "<members>", "</members>", "<distribution>", "<factors>",
      "<factor level=\"", "<and>", "</and>", "<or>", "</or>", "<atleast min=\"", "<cardinality min=\"", "max=\"",
      "<not>", "<xor>", "<nand>", "<nor>", "<iff>", "<imply>", "<gate name=\"", "<basic-event name=\"",
      "<house-event name=\"", "<event name=\"", "type=\"", "<constant value=\"true\"/>", "<float value=\"",
      "<int value=\"", "<bool value=\"", "<parameter name=\"", "<system-mission-time/>", "<exponential>", "<GLM>",
      "<Weibull>", "<periodic-test>", "<mul>", "<add>", "<sub>", "<div>", "<neg>", "<uniform-deviate>",
      "<lognormal-deviate>", "<label>", "<attributes>", "role=\"private\"", "<!DOCTYPE", "&amp;", "<![CDATA[",
      "\"/>", "\">", "1e-3", "0.5"})
  void read(byte[] xml) {
    FaultTreeModel model;
    try {
      model = new MefReader().addBytes("fuzz.xml", xml).read();
    } catch (MefException e) {
      assertTrue(e.getMessage().startsWith("fuzz.xml:"), () -> "the error names the file: " + e.getMessage());
      assertEquals("invalid-fault-tree", e.code());
      return;
    }
    String written = MefWriter.toXml(model);
    FaultTreeModel again;
    try {
      again = MefReader.parse("rewritten.xml", written);
    } catch (MefException e) {
      throw new AssertionError("the writer's output of a model that was read is not readable: " + e.getMessage()
          + "\n" + written, e);
    }
    assertEquals(written, MefWriter.toXml(again), "reading the written model gives the same model");
  }
}
