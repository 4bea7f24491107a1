package io.glidepath.policy;

import io.glidepath.spec.Location;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A closed period for releases, recurring every week ({@code from: Friday 16:00, to: Monday 08:00})
 * or every day ({@code from: "22:00", to: "06:00"}), in a time zone, for some services ({@code *}: all).
 *
 * <p>Local times are resolved in the zone on each day, as {@link ZonedDateTime#of} does: a time that
 * does not exist that night (the clocks jumped over it) is taken as the same time after the jump
 * (02:30 on a spring-forward night is 03:30), and a time that happens twice (fall-back) is its first
 * occurrence. So a window of Saturday 22:00 to Sunday 06:00 lasts 7 real hours on the spring-forward
 * night and 9 on the fall-back one, as the team's wall clocks show it.
 */
public record DeployWindow(String name, List<String> services, ZoneId zone, Optional<DayOfWeek> fromDay, LocalTime fromTime,
                           Optional<DayOfWeek> toDay, LocalTime toTime, Location location) {

    public DeployWindow {
        services = List.copyOf(services);
    }

    /** The window closed now: which, since when and when it opens again. */
    public record Closed(DeployWindow window, Instant since, Instant opens) {
        /** "no-friday-deploys (Friday 16:00 to Monday 08:00 Europe/Berlin) is closed until Monday 08:00 (2026-11-30T07:00:00Z)". */
        public String sentence() {
            ZonedDateTime at = opens.atZone(window.zone());
            return "deploy window '" + window.name() + "' (no releases " + window.span() + ") is closed until "
                    + at.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + " " + at.toLocalDate() + " " + at.toLocalTime()
                    + " " + window.zone().getId() + " (" + opens + ")";
        }
    }

    public boolean covers(String service) {
        return Policy.matches(services, service);
    }

    /** "Friday 16:00 to Monday 08:00 Europe/Berlin", or "22:00 to 06:00 every day Europe/Berlin". */
    public String span() {
        return fromDay.map(d -> name(d) + " ").orElse("") + fromTime + " to " + toDay.map(d -> name(d) + " ").orElse("") + toTime
                + (fromDay.isEmpty() ? " every day" : "") + " " + zone.getId();
    }

    private static String name(DayOfWeek d) {
        return d.getDisplayName(TextStyle.FULL, Locale.ENGLISH);
    }

    /** Closed at {@code now}: the occurrence that began last at or before now, when it has not ended yet. */
    public Optional<Closed> closedAt(Instant now) {
        LocalDate today = now.atZone(zone).toLocalDate();
        // the latest start at or before now: look back over the last 8 days (a week and the day the zone's offset may shift)
        for (int back = 0; back <= 8; back++) {
            LocalDate day = today.minusDays(back);
            if (fromDay.isPresent() && day.getDayOfWeek() != fromDay.get()) {
                continue;
            }
            ZonedDateTime start = ZonedDateTime.of(day, fromTime, zone);
            if (start.toInstant().isAfter(now)) {
                continue;
            }
            Instant end = endAfter(LocalDateTime.of(day, fromTime));
            return end.isAfter(now) ? Optional.of(new Closed(this, start.toInstant(), end)) : Optional.empty();
        }
        return Optional.empty();
    }

    /** When the next occurrence begins after {@code now} (plan shows it for an open window). */
    public Instant nextClosing(Instant now) {
        LocalDate today = now.atZone(zone).toLocalDate();
        for (int ahead = 0; ahead <= 8; ahead++) {
            LocalDate day = today.plusDays(ahead);
            if (fromDay.isPresent() && day.getDayOfWeek() != fromDay.get()) {
                continue;
            }
            Instant start = ZonedDateTime.of(day, fromTime, zone).toInstant();
            if (start.isAfter(now)) {
                return start;
            }
        }
        throw new IllegalStateException("a weekly window always begins within 8 days");
    }

    /** The first {@code to} time after the start, in local time (a window lasts less than a week, or a day when daily). */
    private Instant endAfter(LocalDateTime start) {
        for (int ahead = 0; ahead <= 8; ahead++) {
            LocalDate day = start.toLocalDate().plusDays(ahead);
            if (toDay.isPresent() && day.getDayOfWeek() != toDay.get()) {
                continue;
            }
            LocalDateTime end = LocalDateTime.of(day, toTime);
            if (end.isAfter(start)) {
                return ZonedDateTime.of(end, zone).toInstant();
            }
        }
        throw new IllegalStateException("a window always ends within 8 days");
    }
}
