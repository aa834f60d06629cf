/** Helpers shared by the packages of this module; not exported. */
package dev.faultline.state.postgres.internal;
