/** Bulkhead: a fixed bound on concurrent calls, with an optional bounded wait. */
package dev.faultline.core.bulkhead;
