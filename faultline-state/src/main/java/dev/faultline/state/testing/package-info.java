/**
 * Test kit for code that keeps state with {@code faultline-state}: a {@link dev.faultline.state.testing.SimulatedStorage}
 * that loses what was never forced when told to "crash", and a
 * {@link dev.faultline.state.testing.FaultInjectingStorage} that makes writes and forces fail like a full or broken
 * disk, both built on {@link dev.faultline.state.testing.ForwardingStorage} and
 * {@link dev.faultline.state.testing.ForwardingChannel}, which pass everything through so that a test overrides only
 * the operation it makes slow, gated, failing or counted.
 */
package dev.faultline.state.testing;
