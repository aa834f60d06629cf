package dev.faultline.diagnosis.fta;

import java.math.BigInteger;

/**
 * The importance measures of one basic event for the top event, as SCRAM defines them. Immutable and thread-safe.
 *
 * @param event the basic event
 * @param probability its probability
 * @param occurrence the number of reported minimal cut sets that contain it
 * @param mif Birnbaum's marginal importance: {@code P(top | e) - P(top | not e)}
 * @param cif criticality: {@code MIF p(e) / P(top)}
 * @param dif diagnosis importance (Fussell-Vesely): {@code p(e) P(top | e) / P(top)}
 * @param raw risk achievement worth: {@code P(top | e) / P(top)} (when {@code P(top)} is 0: infinite if
 *     {@code P(top | e)} is not, else 1)
 * @param rrw risk reduction worth: {@code P(top) / P(top | not e)} (when {@code P(top | not e)} is 0: infinite if
 *     {@code P(top)} is not, else 1)
 */
public record Importance(String event, double probability, BigInteger occurrence, double mif, double cif, double dif,
    double raw, double rrw) {}
