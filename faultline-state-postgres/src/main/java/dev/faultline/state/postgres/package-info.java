/**
 * Durable workflows on PostgreSQL: {@link dev.faultline.state.postgres.PostgresWorkflowStore}, a
 * {@link dev.faultline.state.workflow.spi.WorkflowStore} that several executor nodes share, and
 * {@link dev.faultline.state.postgres.SchemaMigrator}, which creates and migrates its schema.
 */
package dev.faultline.state.postgres;
