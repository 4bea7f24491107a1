package io.glidepath.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.cli.Main;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.local.DataDir;
import io.glidepath.cli.options.DataDirOption;
import io.glidepath.cli.options.OutputOption;
import io.glidepath.journal.EventJson;
import io.glidepath.router.client.RouterAdminClient;
import io.glidepath.router.client.RouterAdminException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code glidepath status [NAME]}: the router, the server, and every service's versions and weights;
 * a fleet's customers grouped under their service ({@link ServicesView}); NAME shows one service,
 * one fleet's customers, or one customer.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows the router, the server, every service's versions, instances and weights, and the releases in progress by wave.",
                "A fleet's customers (deployments named SERVICE.CUSTOMER) show as one line per fleet: how many customers run which version.",
                "With NAME: that service with its instances, a fleet's every customer (NAME is the fleet's service), or one customer (SERVICE.CUSTOMER).",
                "Exit codes: 0 shown, 1 NAME names no service, 3 router or server not running."})
public final class StatusCommand implements Callable<Integer> {
    @Mixin
    DataDirOption dataDir;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "A service, a fleet's service, or one customer as SERVICE.CUSTOMER.")
    String name;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        DataDir dir = dataDir.dir();
        Status st = Status.of(dir);
        JsonNode services = null;
        List<JsonNode> inProgress = new ArrayList<>();
        List<String> contracts = new ArrayList<>();
        String serverError = null;
        if (st.serverAlive()) {
            try {
                ServerClient client = ServerClient.of(dir);
                services = client.services().path("services");
                int promoted = 0;
                for (JsonNode r : client.releases(50, null).path("releases")) {
                    if (IN_PROGRESS.contains(r.path("state").asText())) {
                        inProgress.add(client.release(r.path("id").asText()));
                    } else if (r.path("state").asText().equals("PROMOTED") && promoted++ < 10) {
                        // a promoted release's database contract runs after it: pending until the previous version is gone
                        String id = r.path("id").asText();
                        client.release(id).path("migrations").path("contracts").fields().forEachRemaining(c -> {
                            if (CONTRACT_OPEN.contains(c.getValue().asText())) {
                                contracts.add(id + " " + c.getKey() + " " + c.getValue().asText());
                            }
                        });
                    }
                }
            } catch (ServerClient.Unreachable | ServerClient.ApiError e) {
                serverError = e.getMessage();
            }
        }
        JsonNode certificates = st.routerAlive() ? certificates(dir, st) : null;
        if (output.json()) {
            ObjectNode n = EventJson.MAPPER.createObjectNode();
            n.put("dataDir", dir.root().toString());
            ObjectNode router = n.putObject("router").put("running", st.routerAlive()).put("pid", st.routerPid())
                    .put("proxy", st.endpoints().map(e -> e.proxy().toString()).orElse(null));
            if (certificates != null && certificates.path("tls").asBoolean()) {
                router.set("certificates", certificates.path("certificates"));
                if (certificates.has("acme")) {
                    router.set("acme", certificates.path("acme"));
                }
            }
            n.putObject("server").put("running", st.serverAlive()).put("pid", st.serverPid())
                    .put("api", st.endpoints().map(e -> e.api().toString()).orElse(null))
                    .put("dashboard", st.endpoints().map(DataDir.Endpoints::dashboardUrl).orElse(null));
            if (services != null) {
                List<JsonNode> selected = ServicesView.select(services, name);
                if (name != null && selected.isEmpty()) {
                    return noSuchService(services);
                }
                ArrayNode all = n.putArray("services");
                selected.forEach(all::add);
                ArrayNode fleets = ServicesView.fleetsJson(all);
                if (!fleets.isEmpty()) {
                    n.set("fleets", fleets);
                }
                inProgress.forEach(n.putArray("releases")::add);
                ArrayNode open = n.putArray("contractsPending");
                contracts.forEach(c -> {
                    String[] p = c.split(" ");
                    open.addObject().put("release", p[0]).put("database", p[1]).put("state", p[2]);
                });
            }
            System.out.println(n.toPrettyString());
            return st.routerAlive() && st.serverAlive() ? Main.OK : Main.UNREACHABLE;
        }
        System.out.println("router  " + (st.routerAlive() ? "running, pid " + st.routerPid() + st.endpoints().map(e -> ", users' traffic on " + e.proxy()).orElse("")
                : "not running"));
        if (certificates != null && certificates.path("tls").asBoolean()) {
            printCertificates(certificates);
        }
        System.out.println("server  " + (st.serverAlive() ? "running, pid " + st.serverPid()
                + st.endpoints().map(e -> ", API on " + e.api() + ", dashboard " + e.dashboardUrl()).orElse("")
                : "not running") + (serverError != null ? " (" + serverError + ")" : ""));
        if (!st.routerAlive() || !st.serverAlive()) {
            System.out.println("Start with: glidepath up");
            return Main.UNREACHABLE;
        }
        if (name != null && services != null) {
            List<JsonNode> selected = ServicesView.select(services, name);
            if (selected.isEmpty()) {
                return noSuchService(services);
            }
            System.out.println();
            (selected.size() == 1 ? ServicesView.detail(selected.get(0)) : ServicesView.table(selected, true)).forEach(System.out::println);
            return Main.OK;
        }
        if ((services == null || services.isEmpty()) && inProgress.isEmpty()) {
            System.out.println("no services deployed yet");
            return Main.OK;
        }
        System.out.println();
        ServicesView.table(services == null ? List.of() : ServicesView.select(services, null), false).forEach(System.out::println);
        inProgress.forEach(StatusCommand::printRelease);
        for (String c : contracts) {
            String[] p = c.split(" ");
            System.out.println();
            System.out.println("CONTRACT PENDING  database " + p[1] + " of release " + p[0] + ": " + switch (p[2]) {
                case "CONTRACT_WAITING" -> "waiting for the previous version's instances and sessions to go";
                case "STARTED" -> "running";
                default -> "runs once the previous version is retired and none of its sessions is left";
            } + " (glidepath show " + p[0] + ")");
        }
        return Main.OK;
    }

    /** The router's certificates, or null when its admin API does not answer (the rest of the status still prints). */
    private static JsonNode certificates(DataDir dir, Status st) {
        try {
            var e = st.endpoints().orElse(null);
            if (e == null) {
                return null;
            }
            return RouterAdminClient.of(e.routerAdmin().host(), e.routerAdmin().port(), dir.routerToken()).certificates();
        } catch (IOException | RouterAdminException ex) {
            return null;
        }
    }

    /** A certificate expires in fewer days than this: the status says to renew it (Let's Encrypt renews at 30 days left). */
    static final long RENEW_DAYS = 14;

    private static void printCertificates(JsonNode c) {
        System.out.println("https   " + c.path("certificates").size() + " certificate" + (c.path("certificates").size() == 1 ? "" : "s") + " from "
                + c.path("directory").asText() + " (" + c.path("provider").asText() + "), default " + c.path("default").asText("-"));
        for (JsonNode x : c.path("certificates")) {
            List<String> names = new ArrayList<>();
            x.path("names").forEach(n -> names.add(n.asText()));
            String expiry = "";
            if (x.hasNonNull("notAfter")) {
                Instant notAfter = Instant.parse(x.path("notAfter").asText());
                long days = Duration.between(Instant.now(), notAfter).toDays();
                expiry = days < 0 ? "EXPIRED " + notAfter : "expires " + notAfter.toString().substring(0, 10) + " (" + days + " days"
                        + (days < RENEW_DAYS ? ": RENEW NOW" : "") + ")";
            }
            System.out.println("        " + x.path("file").asText() + "  " + String.join(", ", names) + "  " + expiry
                    + (x.has("error") ? "  NOT LOADED: " + x.path("error").asText() : ""));
        }
        JsonNode acme = c.path("acme");
        if (!acme.isMissingNode()) {
            System.out.println("acme    " + acme.path("names").size() + " name" + (acme.path("names").size() == 1 ? "" : "s") + " from "
                    + acme.path("directory").asText());
            for (JsonNode n : acme.path("names")) {
                String state = n.path("state").asText().toUpperCase(java.util.Locale.ROOT);
                String detail = n.hasNonNull("renewAt") ? "  renews from " + n.path("renewAt").asText().substring(0, 10) : "";
                if (n.hasNonNull("reason")) {
                    detail += "  failed " + n.path("failures").asInt() + "x: " + n.path("reason").asText() + "; next try " + n.path("nextAttempt").asText();
                }
                System.out.println("        " + n.path("name").asText() + "  " + state + detail);
            }
        }
    }

    private static final Set<String> IN_PROGRESS = Set.of("RUNNING", "QUEUED", "AWAITING_APPROVAL");
    private static final Set<String> CONTRACT_OPEN = Set.of("CONTRACT_PENDING", "CONTRACT_WAITING", "STARTED");

    /** A release in progress: where it is, and each service's wave and phase. */
    private static void printRelease(JsonNode r) {
        System.out.println();
        JsonNode phases = r.path("phases");
        int waves = 0;
        int current = 0;
        for (var it = phases.fields(); it.hasNext(); ) {
            JsonNode p = it.next().getValue();
            waves = Math.max(waves, p.path("wave").asInt());
            if (!p.path("phase").asText().equals("PENDING")) {
                current = Math.max(current, p.path("wave").asInt());
            }
        }
        String where = r.path("state").asText().equals("QUEUED") ? "queued behind release " + r.path("queuedBehind").asText("(finishing)")
                : r.path("state").asText().equals("AWAITING_APPROVAL") ? "waits for approval until " + r.path("approvalDeadline").asText()
                + " (glidepath approve " + r.path("id").asText() + ", by someone else with the deployer role)"
                : waves > 1 ? "wave " + Math.max(1, current) + " of " + waves : "running";
        System.out.println("RELEASE " + r.path("id").asText() + "  " + where + ", submitted by " + r.path("submittedBy").asText());
        ServicesView.releasePhases(phases).forEach(System.out::println);
    }

    private int noSuchService(JsonNode services) {
        System.err.println("glidepath status: no service " + name + " here" + (services.isEmpty() ? " (none is deployed yet)"
                : "; there are: " + String.join(", ", ServicesView.names(services))));
        return Main.FAILED;
    }
}
