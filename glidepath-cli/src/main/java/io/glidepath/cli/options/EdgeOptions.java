package io.glidepath.cli.options;

import io.glidepath.router.Router;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The router's edge options, shared by {@code glidepath router} and {@code glidepath up} (which hands
 * them to the router it keeps running): the HTTPS listener and its certificates, the access log.
 */
public final class EdgeOptions {
    @Option(names = "--tls-listen", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            description = "Also serve HTTPS here (TLS 1.3 and 1.2), with the certificates of --certs.")
    HostPort tlsListen;

    @Option(names = "--certs", paramLabel = "DIR",
            description = {"The HTTPS listener's certificates: NAME.crt (PEM chain, the site's certificate first) with NAME.key (PEM, PKCS#8), "
                    + "or both in NAME.pem. Each serves the DNS names it holds (wildcards too); default.crt, else the first by name, "
                    + "serves clients that name none of them. Files are read again when they change."})
    Path certs;

    @Option(names = "--access-log", paramLabel = "FILE",
            description = "One JSON line per request (route, track, version, endpoint, status, bytes, duration, client) to FILE, or to "
                    + "standard output with '-'. Off by default; the query string is left out.")
    String accessLog;

    /** Where HTTPS is served; empty without it. */
    public Optional<HostPort> tlsListen() {
        return Optional.ofNullable(tlsListen);
    }

    /** HTTPS at {@code where} from now on (the address a listener bound for port 0). */
    public void pinTlsListen(HostPort where) {
        tlsListen = where;
    }

    /** What is wrong with the combination, in words for the user; empty when nothing is. */
    public Optional<String> problem() {
        if ((tlsListen == null) != (certs == null)) {
            return Optional.of("--tls-listen and --certs go together: the HTTPS listener needs its certificates, and the certificates a listener");
        }
        if (certs != null && !Files.isDirectory(certs)) {
            return Optional.of("--certs " + certs + " is not a directory: create it and put NAME.crt with NAME.key (PEM) in it");
        }
        return Optional.empty();
    }

    public Router.Config applyTo(Router.Config config) {
        Router.Config c = config;
        if (tlsListen != null) {
            c = c.withTls(tlsListen.host(), tlsListen.port(), certs.toAbsolutePath());
        }
        if (accessLog != null) {
            c = c.withAccessLog(accessLog.equals("-") ? "-" : Path.of(accessLog).toAbsolutePath().toString());
        }
        return c;
    }

    /** The same options as arguments of {@code glidepath router} (paths made absolute: the router may start elsewhere). */
    public List<String> routerArgs() {
        List<String> args = new ArrayList<>();
        if (tlsListen != null) {
            args.addAll(List.of("--tls-listen", tlsListen.toString(), "--certs", certs.toAbsolutePath().toString()));
        }
        if (accessLog != null) {
            args.addAll(List.of("--access-log", accessLog.equals("-") ? "-" : Path.of(accessLog).toAbsolutePath().toString()));
        }
        return args;
    }
}
