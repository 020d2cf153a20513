package org.micronet.ingest.cli;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The exit codes of every {@code bin/micronet} command, so a scheduler can tell a mistake to
 * fix from data to repair and from a run to retry.
 */
public final class ExitCode {
    public static final int OK = 0;
    /** A bug: the message comes with a stack trace. */
    public static final int INTERNAL = 1;
    /** Bad options or config, an output that exists or cannot be written: fix the command. */
    public static final int USAGE = 2;
    /** Input missing, unreadable or corrupt (data, images, models, checkpoints): fix the input. */
    public static final int DATA = 3;
    /** The run failed while running (diverged, stalled, lost its cluster, I/O failed): resume it. */
    public static final int RUN_FAILED = 4;

    /** The same lines in every command's {@code --help}. */
    public static final Map<String, String> HELP = help();

    private ExitCode() {
    }

    private static Map<String, String> help() {
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put(OK + "", "done");
        lines.put(INTERNAL + "", "internal error (a bug; the stack trace is printed)");
        lines.put(USAGE + "", "usage or config error: bad option or key, output exists or is not writable");
        lines.put(DATA + "", "input error: data, image, model or checkpoint missing, unreadable or corrupt");
        lines.put(RUN_FAILED + "", "the run failed while running (diverged, stalled, lost its executors, I/O): resume it");
        return Collections.unmodifiableMap(lines);
    }
}
