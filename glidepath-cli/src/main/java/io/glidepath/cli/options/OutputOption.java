package io.glidepath.cli.options;

import picocli.CommandLine.Option;

/** {@code --output text|json}, shared by the commands whose result a script may read (a picocli mixin). */
public final class OutputOption {
    /** What {@code --output} takes. */
    public enum Format { TEXT, JSON }

    @Option(names = "--output", defaultValue = "text", description = "text or json.")
    Format format;

    public boolean json() {
        return format == Format.JSON;
    }
}
