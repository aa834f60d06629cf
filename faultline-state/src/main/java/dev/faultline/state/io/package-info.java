/**
 * The storage seam (SPI): every byte that {@code faultline-state} reads or writes, every force and every directory
 * operation goes through a {@link dev.faultline.state.io.StorageIo}, so that tests can inject disk-full and I/O errors
 * or simulate a power loss.
 */
package dev.faultline.state.io;
