package io.glidepath.spec;

import java.util.Set;

/**
 * The field names of each level of a release file. {@link ReleaseReader} refuses any other; the
 * JSON Schema in docs/release.schema.json lists the same ones (a test keeps them in step).
 */
public final class ReleaseFields {
    public static final Set<String> RELEASE = Set.of("release", "services", "maxParallel", "verify", "databases");
    public static final Set<String> SERVICE = Set.of("name", "version", "dependsOn", "run", "route", "readiness", "smoke", "strategy",
            "steps", "analysis", "keepPrevious", "database", "fleet");
    public static final Set<String> FLEET = Set.of("file", "customers", "rings", "maxParallel", "bake", "failureBudget");
    /** A fleet file's top level. */
    public static final Set<String> FLEET_FILE = Set.of("customers");
    public static final Set<String> CUSTOMER = Set.of("name", "host", "pathPrefix", "env", "replicas", "resources");
    public static final Set<String> RING = Set.of("name", "customers", "share", "maxParallel", "gate", "bake");
    public static final Set<String> BUDGET = Set.of("max", "then");
    public static final Set<String> RUN = Set.of("command", "env", "workdir", "replicas", "stopGrace", "image", "port", "resources", "protocol");
    public static final Set<String> DATABASE = Set.of("url", "passwordEnv", "expand", "contract", "lockTimeout", "statementTimeout", "allow");
    public static final Set<String> SHARED_DATABASE = Set.of("name", "url", "passwordEnv", "expand", "contract", "lockTimeout", "statementTimeout",
            "allow");
    public static final Set<String> ALLOW = Set.of("rule", "file", "line", "reason");
    public static final Set<String> RESOURCES = Set.of("cpu", "memory");
    public static final Set<String> ROUTE = Set.of("host", "pathPrefix", "sticky", "shield", "drainTimeout", "https", "mirrorAllMethods");
    public static final Set<String> HTTPS = Set.of("redirect", "hsts");
    public static final Set<String> HSTS = Set.of("maxAge", "includeSubDomains");
    public static final Set<String> STICKY = Set.of("mode", "name");
    public static final Set<String> READINESS = Set.of("path", "interval", "timeout", "healthyAfter", "deadline", "grpc");
    public static final Set<String> CHECK = Set.of("name", "request", "expect", "timeout");
    public static final Set<String> REQUEST = Set.of("method", "path", "headers", "body");
    public static final Set<String> EXPECT = Set.of("status", "bodyContains");
    public static final Set<String> STEP = Set.of("weight", "bake", "pause", "mirror");
    public static final Set<String> ANALYSIS = Set.of("interval", "minRequests", "failAfter", "postPromotion", "rules", "judge", "alpha",
            "tolerance", "inconclusive", "warmup", "metrics");
    public static final Set<String> METRICS = Set.of("prometheus");
    public static final Set<String> PROMETHEUS = Set.of("url", "timeout", "requests", "errors", "latency", "slowerThan");
    public static final Set<String> RULE = Set.of("errorRate", "latency", "metric");
    public static final Set<String> ERROR_RATE = Set.of("max", "maxIncrease");
    public static final Set<String> LATENCY = Set.of("percentile", "max");
    public static final Set<String> METRIC = Set.of("name", "query", "min", "max");

    private ReleaseFields() {
    }
}
