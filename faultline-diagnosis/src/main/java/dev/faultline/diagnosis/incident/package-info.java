/**
 * Incidents: failure reports built from a {@link java.lang.Throwable} and its context, fingerprinted so that reports of
 * one cause group into one {@link dev.faultline.diagnosis.incident.Issue}, tracked with first and last sighting, count
 * and status, persisted in a small directory store and sent by {@link dev.faultline.diagnosis.incident.IncidentReporter}s.
 */
package dev.faultline.diagnosis.incident;
