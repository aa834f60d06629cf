/**
 * Encryption at rest: a {@link dev.faultline.state.crypto.KeyProvider} gives the journal and the checkpoint store
 * AES-256 keys by id, so that records and snapshots are sealed with AES-256-GCM and keys can rotate.
 */
package dev.faultline.state.crypto;
