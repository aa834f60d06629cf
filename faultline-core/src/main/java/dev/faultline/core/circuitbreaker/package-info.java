/** Circuit breaker: closed, open and half-open over count- or time-based sliding windows. */
package dev.faultline.core.circuitbreaker;
