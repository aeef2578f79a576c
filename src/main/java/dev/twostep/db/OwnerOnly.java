package dev.twostep.db;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Folders and files that only the server's own user may read: the data folder (mode 700) and what it
 * holds, the SQLite database with password hashes and full phone numbers, and the code secret (mode 600).
 * Created so from the start, never loosened afterwards. Where the file system has no POSIX permissions
 * (Windows), the folder's ACL applies.
 */
public final class OwnerOnly {
    private OwnerOnly() {
    }

    /** Creates the folder and any missing parents; folders this creates are mode 700. */
    public static void directories(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return;
        }
        Path parent = absolute.getParent();
        if (parent != null) {
            directories(parent);
        }
        try {
            Files.createDirectory(absolute, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createDirectory(absolute);
        } catch (FileAlreadyExistsException raced) {
            // Another server made it at the same moment.
        }
    }

    /** True when others than the owner may read or enter it (a file or folder made before this version). */
    public static boolean openToOthers(Path path) {
        try {
            return Files.getPosixFilePermissions(path).stream().anyMatch(p -> p.name().startsWith("GROUP")
                    || p.name().startsWith("OTHERS"));
        } catch (UnsupportedOperationException | IOException notPosix) {
            return false;
        }
    }

    /**
     * Creates an empty file of mode 600 unless it exists.
     *
     * @return false when it existed already
     */
    public static boolean file(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            return true;
        } catch (UnsupportedOperationException notPosix) {
            try {
                Files.createFile(file);
                return true;
            } catch (FileAlreadyExistsException exists) {
                return false;
            }
        } catch (FileAlreadyExistsException exists) {
            return false;
        }
    }

    /**
     * What to do when a folder cannot be written: said where the cause is a read-only file system or missing
     * permissions, as under systemd's ProtectSystem=strict (Debian's and Ubuntu's tomcat10 package).
     */
    public static String writableHint(Path dir, IOException e) {
        String reason = String.valueOf(e.getMessage());
        if (e instanceof java.nio.file.AccessDeniedException || reason.contains("Read-only file system")
                || reason.contains("Permission denied") || reason.contains("Operation not permitted")) {
            return " (" + dir.toAbsolutePath() + " must be writable by the server's user; under systemd's"
                    + " ProtectSystem=strict, as in Debian's tomcat10 package, add ReadWritePaths="
                    + dir.toAbsolutePath() + " in a drop-in, see docs/guard.md)";
        }
        return "";
    }
}
