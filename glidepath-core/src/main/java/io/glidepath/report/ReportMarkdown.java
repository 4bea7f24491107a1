package io.glidepath.report;

import io.glidepath.analysis.Verdict;
import io.glidepath.journal.MigrationStep;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.report.SignOffReport.Act;
import io.glidepath.report.SignOffReport.Check;
import io.glidepath.report.SignOffReport.Database;
import io.glidepath.report.SignOffReport.Fleet;
import io.glidepath.report.SignOffReport.Service;
import io.glidepath.report.SignOffReport.VerdictLine;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A {@link SignOffReport} as Markdown an SRE can file: a summary, then one section per concern, in the order
 * of {@link #SECTIONS} (a new concern, such as a risk score, is one more entry there). Times in tables are
 * offsets from the submission ("+31.0s", as {@code glidepath show} writes them); the Timing section has the
 * clock times (UTC). Every value from the journal goes through {@link Markdown#text}.
 */
final class ReportMarkdown {
    private final SignOffReport r;
    private final Markdown md = new Markdown();
    private final Instant t0;

    private ReportMarkdown(SignOffReport r) {
        this.r = r;
        this.t0 = r.release().submitted();
    }

    static String render(SignOffReport r) {
        ReportMarkdown m = new ReportMarkdown(r);
        m.summary();
        SECTIONS.forEach(s -> s.accept(m));
        m.md.blank().line("Built from release " + Markdown.text(r.release().id()) + "'s record and journal; glidepath show "
                + Markdown.text(r.release().id()) + " lists every event.");
        return m.md.toString();
    }

    private static final List<Consumer<ReportMarkdown>> SECTIONS = List.of(
            ReportMarkdown::risk,
            ReportMarkdown::services,
            ReportMarkdown::rollback,
            ReportMarkdown::verified,
            ReportMarkdown::policy,
            ReportMarkdown::people,
            ReportMarkdown::timing,
            ReportMarkdown::fleets);

    private void summary() {
        SignOffReport.Release rel = r.release();
        md.heading(1, "Sign-off report: release " + rel.id());
        if (rel.inProgress()) {
            md.line("> **In progress** (" + Markdown.text(state(rel.state())) + "): this report shows the journal so far; ask for it again once "
                    + "the release has ended.");
            md.blank();
        }
        md.item("Outcome", rel.inProgress() ? "in progress, " + state(rel.state()) : state(rel.state())
                + (r.outcome().cause() == null ? "" : " (cause: " + Words.cause(r.outcome().cause()) + ")"));
        md.item("Release file", rel.file());
        md.item("Submitted", Words.time(rel.submitted()) + " by " + rel.submittedBy());
        if (rel.finished() != null) {
            md.item("Finished", Words.time(rel.finished()) + ", " + Words.duration(Duration.between(rel.submitted(), rel.finished()))
                    + " after submission");
        }
        if (rel.reason() != null) {
            md.item("Reason", rel.reason());
        }
    }

    private static String state(String state) {
        return state.toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    private String at(Instant at) {
        return at == null ? "" : Words.offset(t0, at);
    }

    // --- sections --------------------------------------------------------------------------------------

    private void services() {
        md.heading(2, "Services");
        if (r.services().isEmpty()) {
            md.line("No service: the release file could not be read and the journal names none.");
        }
        var t = md.table("Wave", "Service", "Version", "Strategy", "Instances", "Canary steps", r.release().inProgress() ? "Phase" : "Ended");
        // a fleet is one row, where its first customer is: its customers are in its own section
        Map<String, List<Service>> fleets = r.services().stream().filter(s -> s.fleet() != null)
                .collect(Collectors.groupingBy(Service::fleet, LinkedHashMap::new, Collectors.toList()));
        for (Service s : r.services()) {
            if (s.fleet() == null) {
                t.row(String.valueOf(s.wave()), s.name(), Objects.toString(s.version(), ""), Objects.toString(s.strategy(), ""),
                        String.valueOf(s.instances()), s.steps() == null ? "" : s.stepsDone() + " of " + s.steps(), Words.phase(s.phase()));
            } else if (fleets.get(s.fleet()).get(0) == s) {
                fleetRow(t, s.fleet(), fleets.get(s.fleet()));
            }
        }
        t.end();
    }

    /** A fleet's row in the services table: its waves, customers and how they ended. */
    private static void fleetRow(Markdown.Table t, String name, List<Service> members) {
        int first = members.stream().mapToInt(Service::wave).min().orElse(1);
        int last = members.stream().mapToInt(Service::wave).max().orElse(1);
        t.row(first == last ? String.valueOf(first) : first + "-" + last, name + " (fleet of " + members.size() + " customers)",
                Objects.toString(members.get(0).version(), ""), Objects.toString(members.get(0).strategy(), ""),
                String.valueOf(members.stream().mapToInt(Service::instances).sum()), "",
                members.stream().collect(Collectors.groupingBy(s -> Words.phase(s.phase()), LinkedHashMap::new, Collectors.counting()))
                        .entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", ")));
    }

    private void rollback() {
        SignOffReport.Rollback rb = r.outcome().rollback();
        if (rb == null) {
            return;
        }
        md.heading(2, "Rollback");
        if (rb.cause() != null) {
            md.item("Cause", Words.cause(rb.cause()));
        }
        if (rb.service() != null) {
            md.item("Began with", rb.service());
        }
        md.item("Why", rb.reason());
        md.item("Decided", Words.offset(t0, rb.decided()) + " (" + Words.time(rb.decided()) + ")");
        md.item("Traffic back on the previous versions", rb.trafficBackMillis() == null ? "not journaled (see the flips below)"
                : rb.trafficBackMillis() + " ms after the decision");
        var t = md.table("Service", "Traffic back after", "Journal");
        rb.flips().forEach(f -> t.row(f.service(), f.millis() + " ms", f.message()));
        t.end();
    }

    private void verified() {
        SignOffReport.Verified v = r.verified();
        md.heading(2, "What was verified");

        md.heading(3, "Readiness");
        if (v.readiness().isEmpty()) {
            md.line("No instance was started.");
        }
        var ready = md.table("Service", "Version", "Instances", "Ready", "Slowest to be ready");
        v.readiness().forEach(x -> ready.row(x.service(), Objects.toString(x.version(), ""), String.valueOf(x.instances()), String.valueOf(x.ready()),
                x.slowestMillis() == null ? "" : x.slowestMillis() + " ms"));
        ready.end();

        md.heading(3, "Smoke tests");
        if (v.smoke().isEmpty()) {
            md.line("No smoke test ran.");
        }
        var smoke = md.table("At", "Service", "Test", "On", "Result", "Detail");
        v.smoke().forEach(c -> smoke.row(at(c.at()), c.service(), c.check(), c.target(), result(c), c.message()));
        smoke.end();

        md.heading(3, "Verify checks");
        if (v.verify().isEmpty()) {
            md.line("No verify check ran.");
        }
        var verify = md.table("At", "After wave", "Check", "Result", "Detail");
        v.verify().forEach(c -> verify.row(at(c.at()), String.valueOf(c.afterWave()), c.check(), result(c), c.message()));
        verify.end();

        md.heading(3, "Analysis verdicts");
        if (v.verdicts().isEmpty()) {
            md.line("No analysis verdict: no canary was judged.");
        } else {
            md.line(verdictCounts(v.verdicts()));
        }
        var verdicts = md.table("At", "Service", "Verdict", "Traffic", "Figures", "Evidence", "Judge");
        v.verdicts().forEach(x -> verdicts.row(at(x.at()), x.service(), x.outcome().name(), x.afterPromotion() ? "after promotion"
                : x.canaryWeight() == null ? "" : "canary " + Words.weight(x.canaryWeight()), Words.figures(x.canaryRequests(), x.canaryErrorRate(),
                x.canaryP99Millis(), x.stableRequests(), x.stableErrorRate(), x.stableP99Millis()), evidence(x), x.message()));
        verdicts.end();

        if (!v.migrations().isEmpty()) {
            md.heading(3, "Database migrations");
            v.migrations().forEach(this::database);
        }
    }

    private static String verdictCounts(List<VerdictLine> verdicts) {
        Map<Verdict.Outcome, Long> n = verdicts.stream().collect(Collectors.groupingBy(VerdictLine::outcome, () -> new java.util.EnumMap<>(
                Verdict.Outcome.class), Collectors.counting()));
        return verdicts.size() + (verdicts.size() == 1 ? " verdict" : " verdicts") + ": " + n.entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey().name()).collect(Collectors.joining(", ")) + ".";
    }

    private static String result(Check c) {
        return c.passed() ? "passed" : "FAILED";
    }

    private static String evidence(VerdictLine v) {
        List<String> parts = new ArrayList<>();
        if (v.evidence() != null && v.needed() != null) {
            parts.add(Words.evidence(v.evidence(), v.needed()));
        }
        v.metrics().forEach(m -> parts.add(Words.metric(m)));
        return String.join("; ", parts);
    }

    private void database(Database db) {
        md.heading(4, "Database " + db.name());
        if (db.gate() != null) {
            md.item("Migration gate", (db.gate().passed() ? "passed: " : "REFUSED: ") + db.gate().report());
            if (db.gate().findings().isEmpty()) {
                md.item("Findings", "none");
            }
            var f = md.table("File", "Line", "Rule", "Finding", "Allowed because");
            for (ReleaseEvent.GateFinding x : db.gate().findings()) {
                f.row(x.file(), String.valueOf(x.line()), x.rule(), x.detail(), x.allowedBecause() == null ? "not allowed" : x.allowedBecause());
            }
            f.end();
        }
        md.item("Expanded", db.expanded() ? "yes" : "no");
        if (db.contract() != null) {
            md.item("Contract", db.contract() == MigrationStep.DONE ? "done" : state(db.contract().name()));
        }
        var t = md.table("At", "Phase", "Step", "File", "Detail");
        db.steps().forEach(s -> t.row(at(s.at()), s.phase().name().toLowerCase(Locale.ROOT), state(s.step().name()), Objects.toString(s.file(), ""),
                s.message()));
        t.end();
    }

    private void risk() {
        SignOffReport.Risk risk = r.risk();
        if (risk == null) {
            return; // submitted before the server journaled a risk score
        }
        md.heading(2, "Risk at submission");
        md.item("Score", risk.headline());
        risk.factors().forEach(f -> md.item("Factor", f));
        md.item("Advice", risk.advice());
    }

    private void policy() {
        md.heading(2, "Policy");
        SignOffReport.Policy p = r.policy();
        if (p == null) {
            md.line("The server's policy asked nothing of this release: no deploy window was overridden, no approval or evidence was required.");
            return;
        }
        md.item("Deploy window", p.windowOverride() == null ? "none closed at submission" : "overridden by " + p.windowOverride());
        if (!p.approvalRules().isEmpty()) {
            md.item("Approval rules", String.join(", ", p.approvalRules()) + (p.approvalDeadline() == null ? ""
                    : "; approval due by " + Words.time(p.approvalDeadline())));
        }
        SignOffReport.Approval a = p.approval();
        if (a != null) {
            md.item("Approval", switch (a.state()) {
                case APPROVED -> "approved by " + a.by() + (a.reason() == null ? "" : " (" + a.reason() + ")")
                        + (a.waitedSeconds() == null ? "" : " after " + Words.duration(Duration.ofMillis(Math.round(a.waitedSeconds() * 1000))) + " waiting");
                case TIMED_OUT -> "timed out: no one approved it by " + Words.time(a.deadline());
                case WAITING -> "waiting until " + Words.time(a.deadline());
            });
        }
        if (p.evidence().isEmpty()) {
            md.item("Required evidence", "none");
            return;
        }
        md.heading(3, "Required evidence");
        var t = md.table("Check", "Kind", "What it checks", "Result", "Detail");
        p.evidence().forEach(e -> t.row(e.check(), e.kind(), e.describe(), e.passed() == null ? "not run" : e.passed() ? "passed" : "FAILED",
                Objects.toString(e.detail(), "")));
        t.end();
    }

    private void people() {
        md.heading(2, "Who did what");
        var t = md.table("At", "Who", "What");
        for (Act a : r.people()) {
            t.row(at(a.at()), a.who() == null ? "(not journaled; glidepath audit names the token)" : a.who(), a.what());
        }
        t.end();
    }

    private void timing() {
        SignOffReport.Timing tm = r.timing();
        md.heading(2, "Timing");
        var t = md.table("Event", "At", "From submission");
        t.row("submitted", Words.time(tm.submitted()), "+0.0s");
        if (tm.started() != null) {
            t.row(tm.queuedSeconds() == null ? "started" : "started (left the queue)", Words.time(tm.started()), at(tm.started()));
        }
        SignOffReport.Approval a = r.policy() == null ? null : r.policy().approval();
        if (a != null && a.asked() != null) {
            t.row("approval asked", Words.time(a.asked()), at(a.asked()));
        }
        if (a != null && a.decided() != null) {
            t.row(a.state() == io.glidepath.journal.ApprovalState.APPROVED ? "approved by " + a.by() : "approval timed out", Words.time(a.decided()),
                    at(a.decided()));
        }
        if (tm.finished() != null) {
            t.row("finished", Words.time(tm.finished()), at(tm.finished()));
        }
        t.end();
        List<String> took = new ArrayList<>();
        if (tm.seconds() != null) {
            took.add(seconds(tm.seconds()) + " in all");
        }
        if (tm.queuedSeconds() != null) {
            took.add(seconds(tm.queuedSeconds()) + " queued");
        }
        if (tm.approvalWaitSeconds() != null) {
            took.add(seconds(tm.approvalWaitSeconds()) + " waiting for approval");
        }
        if (!took.isEmpty()) {
            md.item("Took", String.join(", ", took));
        }
        if (!tm.waves().isEmpty()) {
            md.heading(3, "Waves");
            // a ring's and a gate's columns only when a wave is a fleet's ring, or waited at a gate
            boolean rings = tm.waves().stream().anyMatch(x -> x.ring() != null);
            boolean gates = tm.waves().stream().anyMatch(x -> x.gatedSeconds() != null);
            List<String> head = new ArrayList<>(List.of("Wave", "Ring", "Services", "Started", "Done", "Took", "Waited at its gate"));
            head.removeIf(h -> h.equals("Ring") && !rings || h.equals("Waited at its gate") && !gates);
            var w = md.table(head.toArray(String[]::new));
            for (SignOffReport.WaveTime x : tm.waves()) {
                List<String> row = new ArrayList<>(List.of(String.valueOf(x.wave())));
                if (rings) {
                    row.add(Objects.toString(x.ring(), ""));
                }
                row.addAll(List.of(String.join(", ", x.services()), at(x.started()), at(x.done()), x.seconds() == null ? "" : seconds(x.seconds())));
                if (gates) {
                    row.add(x.gatedSeconds() == null ? "" : seconds(x.gatedSeconds()));
                }
                w.row(row.toArray(String[]::new));
            }
            w.end();
        }
        if (!tm.services().isEmpty()) {
            md.heading(3, "Phases");
            var s = md.table("Service", "Phases (from submission)", "Took");
            tm.services().forEach(x -> s.row(x.service(), x.phases().stream().map(p -> Words.phase(p.phase()) + " " + at(p.at()))
                    .collect(Collectors.joining(", ")), x.seconds() == null ? "" : seconds(x.seconds())));
            s.end();
        }
    }

    private static String seconds(double s) {
        return Words.duration(Duration.ofMillis(Math.round(s * 1000)));
    }

    private void fleets() {
        for (Fleet f : r.fleets()) {
            md.heading(2, "Fleet " + f.service());
            md.item("Customers", f.customers().size() + ": " + f.done() + " promoted, " + f.failed() + " failed, " + f.notStarted() + " not started");
            md.item("Failure budget", f.budget() + ": " + f.failed() + " of " + f.allowed() + " allowed failed" + (f.exceeded() ? ", EXCEEDED" : ""));
            var t = md.table("Customer", "Ring", r.release().inProgress() ? "Phase" : "Ended", "Cause", "Reason");
            f.customers().forEach(c -> t.row(c.customer(), Objects.toString(c.ring(), ""), c.phase() == Phase.ROLLED_BACK && c.cause() != null
                    && !c.cause().askedFromOutside() ? "failed, rolled back" : Words.phase(c.phase()), c.cause() == null ? "" : Words.cause(c.cause()),
                    Objects.toString(c.reason(), "")));
            t.end();
        }
    }
}
