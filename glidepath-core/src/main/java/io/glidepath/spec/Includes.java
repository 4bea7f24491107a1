package io.glidepath.spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The files a release file names beside itself (a fleet file), by their path relative to the
 * release file's folder. The CLI and the server at submission read them from that folder; a
 * restarted server reads the copies stored with the release ({@link #of}), so that a file changed
 * since cannot change a release in progress.
 */
@FunctionalInterface
public interface Includes {

    /** The file's text. {@link NoSuchFileException} when it is not there. */
    String read(String relativePath) throws IOException;

    /** For a release read without its folder: any named file is an error saying so. */
    static Includes none() {
        return p -> {
            throw new IOException("files beside the release file cannot be read here (no folder to read them from)");
        };
    }

    /** Files in {@code folder}, at most {@link ReleaseLimits#MAX_BYTES} each. */
    static Includes folder(Path folder) {
        return p -> {
            Path file = folder.resolve(p).normalize();
            if (Files.size(file) > ReleaseLimits.MAX_BYTES) {
                throw new IOException("is larger than " + ReleaseLimits.STANDARD.maxBytesText());
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        };
    }

    /** Files as stored with a release: path to text. */
    static Includes of(Map<String, String> files) {
        return p -> {
            String text = files.get(p);
            if (text == null) {
                throw new NoSuchFileException(p, null, "not among the files stored with the release");
            }
            return text;
        };
    }

    /** Reads through {@code inner} and keeps what it read in {@code into} (path to text), to store with the release. */
    static Includes recording(Includes inner, Map<String, String> into) {
        return p -> {
            String text = inner.read(p);
            into.put(p, text);
            return text;
        };
    }
}
