/**
 * Supervision trees: {@link dev.faultline.supervisor.Supervisor}s that start, watch and restart
 * {@link dev.faultline.supervisor.Component}s and {@link dev.faultline.supervisor.Agent}s run by an
 * {@link dev.faultline.supervisor.AgentRunner}, with one-for-one, one-for-all and rest-for-one strategies, restart
 * intensity with escalation, and backoff between restarts.
 */
package dev.faultline.supervisor;
