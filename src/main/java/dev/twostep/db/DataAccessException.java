package dev.twostep.db;

/** A database operation failed; the message says what was being done. */
public final class DataAccessException extends RuntimeException {
    public DataAccessException(String doing, Throwable cause) {
        super("Database error while " + doing + ": " + cause.getMessage(), cause);
    }
}
