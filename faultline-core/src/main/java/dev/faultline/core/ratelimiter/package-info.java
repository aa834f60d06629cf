/** Rate limiter: a smooth token bucket. */
package dev.faultline.core.ratelimiter;
