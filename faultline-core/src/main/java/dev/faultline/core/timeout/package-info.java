/** Timeout: bounds the duration of sync and async calls. */
package dev.faultline.core.timeout;
