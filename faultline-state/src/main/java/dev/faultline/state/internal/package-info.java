/** Implementation helpers shared by the packages of faultline-state. Not exported: nothing here is API. */
package dev.faultline.state.internal;
