package dev.faultline.spring.boot;

import dev.faultline.state.journal.Durability;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code faultline.workflows.*} properties of the {@link dev.faultline.state.workflow.WorkflowExecutor} on the
 * embedded store that {@link FaultlineWorkflowAutoConfiguration} opens. Immutable. A property left out keeps the
 * default of {@code WorkflowExecutor.Builder}; the values are checked by the builder when the executor opens.
 *
 * @param directory the store's directory (required: without it no executor is made)
 * @param name the source name of the executor's events
 * @param threads the worker threads
 * @param durability {@code sync} (each record forced to disk before it counts) or {@code async}
 * @param retainFinished how long finished workflows are kept (zero: for ever, the builder's default)
 * @param resumeOnStart whether opening queues every unfinished workflow
 */
@ConfigurationProperties("faultline.workflows")
public record FaultlineWorkflowProperties(Path directory, String name, Integer threads, Durability durability,
    Duration retainFinished, Boolean resumeOnStart) {}
