package io.glidepath.cli.options;

import io.glidepath.cli.local.DataDir;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --data-dir}, shared by the commands that work on a data directory (a picocli mixin). */
public final class DataDirOption {
    @Option(names = "--data-dir", description = "Default .glidepath (or $GLIDEPATH_DATA_DIR).")
    Path path;

    /** The data directory named, else $GLIDEPATH_DATA_DIR, else .glidepath. */
    public DataDir dir() {
        return DataDir.of(path);
    }
}
