/**
 * Durable workflows: code whose steps are recorded in a journal before they count, so that after a crash a workflow
 * resumes where it stopped, completed steps never run again, and failed or cancelled workflows compensate their
 * completed steps in reverse order. Start with {@link dev.faultline.state.workflow.WorkflowExecutor}.
 */
package dev.faultline.state.workflow;
