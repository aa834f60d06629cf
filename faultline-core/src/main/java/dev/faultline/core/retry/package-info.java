/** Retry: attempts, backoff with jitter, deadlines, result and exception predicates, abort conditions, retry budgets. */
package dev.faultline.core.retry;
