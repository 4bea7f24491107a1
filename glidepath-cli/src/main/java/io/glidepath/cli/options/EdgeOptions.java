package io.glidepath.cli.options;

import io.glidepath.router.Router;
import io.glidepath.router.acme.AcmeSettings;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The router's edge options, shared by {@code glidepath router} and {@code glidepath up} (which hands
 * them to the router it keeps running): the HTTPS listener and its certificates (files, ACME or
 * both), the access log.
 */
public final class EdgeOptions {
    @Option(names = "--tls-listen", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            description = "Also serve HTTPS here (TLS 1.3 and 1.2), with the certificates of --certs and/or --acme.")
    HostPort tlsListen;

    @Option(names = "--acme", description = {"Get certificates automatically from an ACME CA (Let's Encrypt unless --acme-directory) for every "
            + "exact host name the routes match, through HTTP-01 answered on the plain listener (which the CA must reach on port 80); "
            + "renewed at two thirds of their lifetime; kept under the state directory (acme/, keys 0600). Files in --certs win a name."})
    boolean acme;

    @Option(names = "--acme-directory", paramLabel = "URL",
            description = "The ACME CA's directory URL (https). Default: Let's Encrypt's production one, " + "https://acme-v02.api.letsencrypt.org/directory.")
    String acmeDirectory;

    @Option(names = "--acme-email", paramLabel = "ADDRESS", description = "The ACME account's contact address (the CA's notices). Default: none.")
    String acmeEmail;

    @Option(names = "--acme-ca-root", paramLabel = "FILE",
            description = "PEM file of the CA certificates to trust for the ACME API itself: a private ACME CA such as step-ca. Default: the JDK's trust store.")
    Path acmeCaRoot;

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

    /** Whether the router gets certificates from ACME. */
    public boolean acme() {
        return acme;
    }

    /** What is wrong with the combination, in words for the user; empty when nothing is. */
    public Optional<String> problem() {
        if (!acme && (acmeDirectory != null || acmeEmail != null || acmeCaRoot != null)) {
            return Optional.of((acmeDirectory != null ? "--acme-directory" : acmeEmail != null ? "--acme-email" : "--acme-ca-root")
                    + " goes with --acme: add --acme to get certificates automatically");
        }
        if (acme && tlsListen == null) {
            return Optional.of("--acme needs --tls-listen: the certificates it gets are for the HTTPS listener");
        }
        if (tlsListen == null && certs != null || tlsListen != null && certs == null && !acme) {
            return Optional.of("--tls-listen and --certs go together: the HTTPS listener needs its certificates, and the certificates a listener"
                    + " (or use --acme with --tls-listen to get them automatically)");
        }
        if (acme) {
            Optional<String> bad = acmeProblem();
            if (bad.isPresent()) {
                return bad;
            }
        }
        if (certs != null && !Files.isDirectory(certs)) {
            return Optional.of("--certs " + certs + " is not a directory: create it and put NAME.crt with NAME.key (PEM) in it");
        }
        return Optional.empty();
    }

    private Optional<String> acmeProblem() {
        if (acmeDirectory != null) {
            URI u;
            try {
                u = new URI(acmeDirectory);
            } catch (URISyntaxException e) {
                return Optional.of("--acme-directory '" + acmeDirectory + "' is not a URL: give the CA's directory URL, such as "
                        + AcmeSettings.LETS_ENCRYPT);
            }
            if (!"https".equals(u.getScheme()) || u.getHost() == null) {
                return Optional.of("--acme-directory '" + acmeDirectory + "' must be an https URL with a host, such as " + AcmeSettings.LETS_ENCRYPT
                        + " (the account key signs every request, but the orders and certificates travel in it)");
            }
        }
        if (acmeEmail != null && !acmeEmail.matches("[^@\\s,:]+@[^@\\s,:]+\\.[^@\\s,:]+")) {
            return Optional.of("--acme-email '" + acmeEmail + "' is not an e-mail address, such as ops@example.com");
        }
        if (acmeCaRoot != null) {
            if (!Files.isRegularFile(acmeCaRoot) || !Files.isReadable(acmeCaRoot)) {
                return Optional.of("--acme-ca-root " + acmeCaRoot + " is not a readable file: give the PEM file of the ACME server's CA");
            }
            try {
                if (!Files.readString(acmeCaRoot, StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
                    return Optional.of("--acme-ca-root " + acmeCaRoot + " holds no CERTIFICATE block: give the PEM file of the ACME server's CA");
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                return Optional.of("--acme-ca-root " + acmeCaRoot + " cannot be read: " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    private AcmeSettings acmeSettings() {
        return AcmeSettings.of(acmeDirectory == null ? AcmeSettings.LETS_ENCRYPT : URI.create(acmeDirectory), Optional.ofNullable(acmeEmail),
                Optional.ofNullable(acmeCaRoot).map(Path::toAbsolutePath));
    }

    public Router.Config applyTo(Router.Config config) {
        Router.Config c = config;
        if (tlsListen != null) {
            c = c.withTls(tlsListen.host(), tlsListen.port(), certs == null ? null : certs.toAbsolutePath(), acme ? acmeSettings() : null);
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
            args.addAll(List.of("--tls-listen", tlsListen.toString()));
            if (certs != null) {
                args.addAll(List.of("--certs", certs.toAbsolutePath().toString()));
            }
        }
        if (acme) {
            args.add("--acme");
            if (acmeDirectory != null) {
                args.addAll(List.of("--acme-directory", acmeDirectory));
            }
            if (acmeEmail != null) {
                args.addAll(List.of("--acme-email", acmeEmail));
            }
            if (acmeCaRoot != null) {
                args.addAll(List.of("--acme-ca-root", acmeCaRoot.toAbsolutePath().toString()));
            }
        }
        if (accessLog != null) {
            args.addAll(List.of("--access-log", accessLog.equals("-") ? "-" : Path.of(accessLog).toAbsolutePath().toString()));
        }
        return args;
    }
}
