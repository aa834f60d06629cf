/** Adaptive concurrency limit that follows latency (Gradient2, Vegas). */
package dev.faultline.core.limit;
