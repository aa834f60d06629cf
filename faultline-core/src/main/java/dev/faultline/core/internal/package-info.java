/** Implementation helpers shared by the policies. Not exported: nothing here is API. */
package dev.faultline.core.internal;
