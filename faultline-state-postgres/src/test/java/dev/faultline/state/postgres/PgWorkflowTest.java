package dev.faultline.state.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.faultline.state.workflow.WorkflowStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The view of a workflow row: what reading the row again may change in it. */
class PgWorkflowTest {
  private static PgWorkflow.Row row(WorkflowStatus status) {
    return new PgWorkflow.Row("w", "flow", "default", null, status, "n1", 1, false, false, null, null, null, false);
  }

  /**
   * A successful end reaches the database after the result completes (PostgresWorkflowStore, "Ends"): a row read
   * before that, by a heartbeat or a read racing the end, must not make the finished view unfinished again.
   */
  @Test
  void aFinishedViewKeepsItsEndWhenAnOlderRowIsReadIntoIt() {
    PgWorkflow view = new PgWorkflow(row(WorkflowStatus.PENDING));
    view.own(1);
    view.finished(WorkflowStatus.SUCCEEDED, new byte[] {1}, null);

    view.refresh(row(WorkflowStatus.PENDING), List.of());
    assertEquals(WorkflowStatus.SUCCEEDED, view.status());
    assertEquals(1, view.output().length);

    PgWorkflow unfinished = new PgWorkflow(row(WorkflowStatus.PENDING));
    unfinished.refresh(row(WorkflowStatus.CANCELLED), List.of());
    assertEquals(WorkflowStatus.CANCELLED, unfinished.status(), "an unfinished view takes the row's end");
  }
}
