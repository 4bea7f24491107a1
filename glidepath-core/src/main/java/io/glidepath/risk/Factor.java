package io.glidepath.risk;

/**
 * What the risk model looks at in a release, each with its prior coefficient: the change in log-odds
 * of a rollback per unit, used as it is while the history is thin and as the centre the fit is pulled
 * towards when it is not ({@link RiskModel}). The units are chosen so that 0 means "nothing of this",
 * so each factor's contribution to a release is its coefficient times its value.
 */
public enum Factor {
    /**
     * Rollbacks a service of the release caused itself in its last 10 releases (the most of any of its
     * services). Prior +0.5 each: a service that failed lately tends to fail again (fragile code, thin
     * tests, an unsettled dependency); two recent rollbacks make the odds about 2.7 times as high.
     */
    ROLLBACKS("rollbacks", 0.5),
    /**
     * Time since a service's last release, as log2(1 + days) (the longest idle of its services). Prior
     * +0.12 per doubling: drift piles up while nobody ships (dependencies, configuration, people who
     * remember how it deploys); a month idle adds about +0.6.
     */
    SINCE_LAST("sinceLastRelease", 0.12),
    /** Services in the release, as log2(count): 0 for one. Prior +0.4 per doubling: more moving parts, more to go wrong together. */
    SERVICES("services", 0.4),
    /** 1 when the release migrates a database. Prior +0.8: schema changes are among the commonest causes of failed changes. */
    MIGRATION("migration", 0.8),
    /**
     * Configuration settings changed against what runs (command, env, replicas, workdir, image,
     * resources, protocol, route), at most 10. Prior +0.15 each: configuration is code that is rarely tested.
     */
    CONFIG("configChanges", 0.15),
    /** Dependencies on other services a service did not have before. Prior +0.3 each: a new call path that was never proven together. */
    NEW_DEPENDENCIES("newDependencies", 0.3),
    /** 1 outside 08:00-18:00 in the team's time zone. Prior +0.3: fewer people to notice and help. */
    OFF_HOURS("offHours", 0.3),
    /** 1 on a Friday, Saturday or Sunday in the team's time zone. Prior +0.3: the same, for longer. */
    END_OF_WEEK("endOfWeek", 0.3),
    /** Other releases running when it starts, at most 5. Prior +0.25 each: changes that overlap are harder to judge and to undo. */
    CONCURRENT("concurrentReleases", 0.25);

    private final String id;
    private final double prior;

    Factor(String id, double prior) {
        this.id = id;
        this.prior = prior;
    }

    /** As JSON names it. */
    public String id() {
        return id;
    }

    public double prior() {
        return prior;
    }
}
