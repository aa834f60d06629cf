/**
 * What survives a crash: the segmented journal, checkpoints and recoverable state. Depends on faultline-core only.
 */
module dev.faultline.state {
  requires transitive dev.faultline.core;

  exports dev.faultline.state;
  exports dev.faultline.state.journal;
  exports dev.faultline.state.checkpoint;
  exports dev.faultline.state.crypto;
  exports dev.faultline.state.io;
  exports dev.faultline.state.testing;
  exports dev.faultline.state.workflow;
  exports dev.faultline.state.workflow.spi;
}
