/** Hedge: redundant attempts after a delay, the first success wins. */
package dev.faultline.core.hedge;
