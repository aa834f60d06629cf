package dev.faultline.diagnosis.fta;

import java.math.BigInteger;

/**
 * The importance measures of one basic event for the top event, as SCRAM defines them. Immutable and thread-safe.
 *
 * <p>When the top event cannot occur ({@code P(top) = 0}) the two shares of its probability, CIF and DIF, are
 * undefined and reported as {@link Double#NaN} (SCRAM divides by 0 there too); RAW and RRW are still defined as
 * ratios of risks (infinite, or 1 when the event changes nothing).
 *
 * @param event the basic event
 * @param probability its probability
 * @param occurrence the number of reported minimal cut sets that contain it
 * @param mif Birnbaum's marginal importance: {@code P(top | e) - P(top | not e)}
 * @param cif criticality: {@code MIF p(e) / P(top)}; {@link Double#NaN} (undefined, 0 / 0) when {@code P(top)} is 0
 * @param dif diagnosis importance (Fussell-Vesely): {@code p(e) P(top | e) / P(top)}; {@link Double#NaN} (undefined,
 *     0 / 0) when {@code P(top)} is 0
 * @param raw risk achievement worth: {@code P(top | e) / P(top)} (when {@code P(top)} is 0: infinite if
 *     {@code P(top | e)} is not, else 1)
 * @param rrw risk reduction worth: {@code P(top) / P(top | not e)} (when {@code P(top | not e)} is 0: infinite if
 *     {@code P(top)} is not, else 1)
 */
public record Importance(String event, double probability, BigInteger occurrence, double mif, double cif, double dif,
    double raw, double rrw) {}
