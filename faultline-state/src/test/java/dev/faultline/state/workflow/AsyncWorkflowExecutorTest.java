package dev.faultline.state.workflow;

import dev.faultline.state.journal.Durability;
import dev.faultline.state.workflow.contract.WorkflowExecutorTest;
import java.nio.file.Path;

/**
 * The workflow contract ({@link WorkflowExecutorTest}, every scenario) on the embedded store in
 * {@link Durability#ASYNC} durability: records written to the operating system before the call returns and forced on
 * a timer. What that mode loses only a power loss would lose, so every scenario, restarts included, holds as in SYNC.
 * (WorkflowTortureTest in faultline-console kills its processes in both durabilities.)
 */
class AsyncWorkflowExecutorTest extends WorkflowExecutorTest {
  @Override
  protected WorkflowExecutor.Builder store(Path location) {
    return WorkflowExecutor.builder(location).durability(Durability.ASYNC);
  }
}
