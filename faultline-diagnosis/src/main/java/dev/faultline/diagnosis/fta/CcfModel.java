package dev.faultline.diagnosis.fta;

/** The common-cause failure models of the MEF, with the first factor level each expects. */
public enum CcfModel {
  /** Beta-factor: one factor, at the level of the group size. */
  BETA_FACTOR("beta-factor"),
  /** Multiple Greek letters: factors beta, gamma, ... for levels 2, 3, ... */
  MGL("MGL"),
  /** Alpha-factor: factors for levels 1, 2, ... */
  ALPHA_FACTOR("alpha-factor"),
  /** Phi-factor: the fraction of failures at each level 1, 2, ..., summing to 1. */
  PHI_FACTOR("phi-factor");

  private final String xmlName;

  CcfModel(String xmlName) {
    this.xmlName = xmlName;
  }

  /** The MEF attribute value. */
  public String xmlName() {
    return xmlName;
  }

  /** The model with this MEF name, or null. */
  public static CcfModel fromXml(String name) {
    for (CcfModel m : values()) {
      if (m.xmlName.equals(name)) {
        return m;
      }
    }
    return null;
  }
}
