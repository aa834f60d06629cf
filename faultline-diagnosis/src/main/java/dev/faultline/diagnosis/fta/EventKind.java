package dev.faultline.diagnosis.fta;

/** What a name in a formula refers to. */
public enum EventKind {
  /** A gate. */
  GATE("gate"),
  /** A basic event (including a member of a CCF group). */
  BASIC_EVENT("basic-event"),
  /** A house event: a constant true or false. */
  HOUSE_EVENT("house-event");

  private final String xmlName;

  EventKind(String xmlName) {
    this.xmlName = xmlName;
  }

  /** The MEF element name of a reference of this kind. */
  public String xmlName() {
    return xmlName;
  }
}
