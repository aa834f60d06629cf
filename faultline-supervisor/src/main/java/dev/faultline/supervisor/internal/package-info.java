/** Implementation helpers of the supervisor module; not exported. */
package dev.faultline.supervisor.internal;
