/** Registry: named policy instances per key, bounded and evicted. */
package dev.faultline.core.registry;
