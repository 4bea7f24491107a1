package io.glidepath.cli.ops;

import io.glidepath.cli.local.DataDir;
import java.util.Optional;

/** What runs in a data directory, from its pid files. */
record Status(Optional<DataDir.Endpoints> endpoints, Optional<ProcessHandle> router, Optional<ProcessHandle> server) {

    static Status of(DataDir dir) {
        return new Status(dir.endpoints(), dir.process("router"), dir.process("server"));
    }

    boolean routerAlive() {
        return router.isPresent();
    }

    boolean serverAlive() {
        return server.isPresent();
    }

    String routerPid() {
        return router.map(p -> String.valueOf(p.pid())).orElse("-");
    }

    String serverPid() {
        return server.map(p -> String.valueOf(p.pid())).orElse("-");
    }
}
