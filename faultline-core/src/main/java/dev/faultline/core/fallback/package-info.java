/** Fallback: a value, a function of the failure, or an alternative call. */
package dev.faultline.core.fallback;
