/**
 * The fault-tree engine behind {@code dev.faultline.diagnosis.fta}: the compiled Boolean graph, module detection,
 * the BDD and ZBDD managers and the computations on them. Not exported; nothing here is thread-safe unless stated.
 */
package dev.faultline.diagnosis.fta.internal;
