package dev.faultline.diagnosis.fta;

import dev.faultline.core.FaultlineException;
import java.time.Duration;

/**
 * A {@link FaultTreeAnalysis} stopped before it finished, and returned nothing: its timeout passed (code
 * {@value #TIMED_OUT}) or the thread that called {@link FaultTreeAnalysis#run()} was interrupted (code
 * {@value #INTERRUPTED}; that thread's interrupt flag is set again). The message names the top gate, how long the
 * analysis ran and, for a timeout, the timeout.
 */
public final class AnalysisStoppedException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  /** The code of an analysis that ran past its {@link FaultTreeAnalysis.Builder#timeout timeout}. */
  public static final String TIMED_OUT = "analysis-timed-out";
  /** The code of an analysis whose caller was interrupted. */
  public static final String INTERRUPTED = "analysis-interrupted";

  private final String top;
  private final Duration elapsed;
  private final Duration timeout;

  AnalysisStoppedException(String code, String top, Duration elapsed, Duration timeout) {
    super(code, message(code, top, elapsed, timeout));
    this.top = top;
    this.elapsed = elapsed;
    this.timeout = timeout;
  }

  private static String message(String code, String top, Duration elapsed, Duration timeout) {
    String ran = "the analysis of top gate \"" + top + "\" ";
    return TIMED_OUT.equals(code)
        ? ran + "exceeded its timeout of " + timeout + " and was stopped after " + elapsed
        : ran + "was interrupted after " + elapsed + " and stopped";
  }

  /** Whether the timeout stopped the analysis (else an interrupt did). */
  public boolean timedOut() {
    return TIMED_OUT.equals(code());
  }

  /** The top gate of the analysis. */
  public String top() {
    return top;
  }

  /** How long the analysis ran, on the analysis's clock. */
  public Duration elapsed() {
    return elapsed;
  }

  /** The analysis's timeout, or null when it had none. */
  public Duration timeout() {
    return timeout;
  }
}
