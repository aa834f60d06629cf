/**
 * The durable, append-only, segmented journal: {@link dev.faultline.state.journal.Journal} and its builder, the
 * reports its open, verify and repair produce, and its exceptions.
 */
package dev.faultline.state.journal;
