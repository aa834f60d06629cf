/**
 * The backend SPI of durable workflows: what a {@link dev.faultline.state.workflow.WorkflowExecutor} needs from the
 * store that records its workflows. The embedded store (a directory) is one implementation; others (PostgreSQL, in
 * faultline-state-postgres) let several executor nodes share work. Users only pick a store; implementors read
 * {@link dev.faultline.state.workflow.spi.WorkflowStore}.
 */
package dev.faultline.state.workflow.spi;
