/**
 * Test kit for code that uses Faultline: a {@link dev.faultline.core.testing.FakeClock} that is both clock and
 * scheduler, and an {@link dev.faultline.core.testing.EventRecorder}.
 */
package dev.faultline.core.testing;
