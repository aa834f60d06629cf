/**
 * Spring Boot auto-configuration for Faultline: the policies configured under {@code faultline.*} as one
 * {@link dev.faultline.spring.boot.FaultlinePolicies} bean, their events delivered to the application's
 * {@link dev.faultline.core.event.FaultEventListener} beans, their metrics bound to Micrometer and their circuit
 * breakers reported to Spring Boot's health endpoint.
 */
package dev.faultline.spring.boot;
