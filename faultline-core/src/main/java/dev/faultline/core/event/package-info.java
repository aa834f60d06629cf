/** The {@link dev.faultline.core.event.FaultEvent} family and its listener contract. */
package dev.faultline.core.event;
