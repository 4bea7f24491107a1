package io.glidepath.cli.validate;

import io.glidepath.cli.Main;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.Location;
import io.glidepath.spec.ReleaseLimits;
import io.glidepath.spec.Includes;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.SourceText;
import io.glidepath.spec.SpecError;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * A release file read and checked the way every command does it: its text, and its spec or every located error.
 * The text is read within {@link ReleaseLimits#STANDARD}, the limits the server applies to a submitted release, so a
 * file this calls valid is one the server takes.
 */
public record ReleaseFile(Path path, String text, ReleaseSpec spec) {

    /** Reads and checks {@code path}; an unreadable file is one error at its 1:1. */
    public static ReleaseFile read(Path path) throws InvalidSpecException {
        String text;
        try {
            text = SourceText.read(path, ReleaseLimits.STANDARD);
        } catch (IOException e) {
            String why = e instanceof NoSuchFileException ? "no such file" : e.getMessage();
            throw new InvalidSpecException(List.of(new SpecError(new Location(path.toString(), 1, 1), "", "cannot read the file: " + why)));
        }
        return new ReleaseFile(path, text, ReleaseReader.read(path.toString(), text, Includes.folder(baseDir(path))));
    }

    /** The folder a release file's relative paths (workdir, migration folders) start from. */
    public static Path baseDir(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of("").toAbsolutePath() : parent;
    }

    /** Prints every error to stderr with a count, and gives the exit code for invalid input. */
    public static int reportErrors(Path path, List<SpecError> errors) {
        errors.forEach(System.err::println);
        System.err.println(errors.size() + (errors.size() == 1 ? " error" : " errors") + " in " + path + "; nothing was started.");
        return Main.INVALID_INPUT;
    }
}
