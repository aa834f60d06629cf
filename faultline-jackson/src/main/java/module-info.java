/**
 * A Jackson {@code WorkflowCodec}: workflow inputs, step results and outputs as JSON with type ids.
 */
module dev.faultline.jackson {
  requires transitive dev.faultline.state;
  requires transitive com.fasterxml.jackson.databind;

  exports dev.faultline.jackson;
}
