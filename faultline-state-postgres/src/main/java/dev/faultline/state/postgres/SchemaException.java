package dev.faultline.state.postgres;

import dev.faultline.core.FaultlineException;

/**
 * The PostgreSQL schema could not be created, verified or migrated. {@link #code()}: {@code schema-checksum-mismatch}
 * (an applied migration's recorded checksum differs from the script this code carries: the database was migrated by
 * other code, or its record was altered), {@code schema-too-new} (the database records a migration this code does
 * not know), {@code schema-migration-failed} (a script or the database failed; the migration's transaction was
 * rolled back), {@code schema-invalid-name}; from {@link SchemaMigrator#verify} also {@code schema-missing} (never
 * migrated) and {@code schema-outdated} (migrations of this code not yet applied).
 */
public final class SchemaException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public SchemaException(String code, String message) {
    super(code, message);
  }

  /** Creates the exception with a cause. */
  public SchemaException(String code, String message, Throwable cause) {
    super(code, message, cause);
  }
}
