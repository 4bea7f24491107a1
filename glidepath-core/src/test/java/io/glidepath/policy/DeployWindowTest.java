package io.glidepath.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.spec.Location;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Deploy windows at chosen instants, across Europe/Berlin's daylight-saving nights (2026: March 29, October 25). */
class DeployWindowTest {
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    static DeployWindow weekly(DayOfWeek fromDay, String from, DayOfWeek toDay, String to) {
        return new DeployWindow("w", List.of("*"), BERLIN, Optional.of(fromDay), LocalTime.parse(from), Optional.of(toDay), LocalTime.parse(to),
                new Location("policy.yaml", 1, 1));
    }

    @Test
    void aWeekendWindowIsClosedFromFridayAfternoonToMondayMorningInTheTeamsZone() {
        DeployWindow w = weekly(DayOfWeek.FRIDAY, "16:00", DayOfWeek.MONDAY, "08:00");
        // Friday 2026-11-27 15:59 CET (14:59Z): open; 16:00 CET: closed until Monday 08:00 CET (07:00Z)
        assertThat(w.closedAt(Instant.parse("2026-11-27T14:59:00Z"))).isEmpty();
        assertThat(w.closedAt(Instant.parse("2026-11-27T15:00:00Z"))).hasValueSatisfying(c -> {
            assertThat(c.opens()).isEqualTo(Instant.parse("2026-11-30T07:00:00Z"));
            assertThat(c.sentence()).contains("'w'", "Friday 16:00 to Monday 08:00 Europe/Berlin", "Monday 2026-11-30 08:00");
        });
        assertThat(w.closedAt(Instant.parse("2026-11-29T12:00:00Z"))).isPresent();
        assertThat(w.closedAt(Instant.parse("2026-11-30T06:59:59Z"))).isPresent();
        assertThat(w.closedAt(Instant.parse("2026-11-30T07:00:00Z"))).isEmpty();
        assertThat(w.nextClosing(Instant.parse("2026-11-30T07:00:00Z"))).isEqualTo(Instant.parse("2026-12-04T15:00:00Z"));
    }

    @Test
    void aNightWindowAcrossSpringForwardLastsSevenRealHours() {
        // Saturday 22:00 CET (21:00Z) to Sunday 06:00 CEST (04:00Z): clocks jump 02:00 -> 03:00 that night
        DeployWindow w = weekly(DayOfWeek.SATURDAY, "22:00", DayOfWeek.SUNDAY, "06:00");
        assertThat(w.closedAt(Instant.parse("2026-03-28T20:59:00Z"))).isEmpty();
        assertThat(w.closedAt(Instant.parse("2026-03-28T21:00:00Z"))).hasValueSatisfying(c ->
                assertThat(c.opens()).isEqualTo(Instant.parse("2026-03-29T04:00:00Z")));
        // 05:30 CEST is 03:30Z: still closed; a UTC+1 reading would have opened it at 05:00Z, a naive one at 06:00Z
        assertThat(w.closedAt(Instant.parse("2026-03-29T03:30:00Z"))).isPresent();
        assertThat(w.closedAt(Instant.parse("2026-03-29T04:00:00Z"))).isEmpty();
    }

    @Test
    void aNightWindowAcrossFallBackLastsNineRealHours() {
        // Saturday 22:00 CEST (20:00Z) to Sunday 06:00 CET (05:00Z): 03:00 -> 02:00 that night
        DeployWindow w = weekly(DayOfWeek.SATURDAY, "22:00", DayOfWeek.SUNDAY, "06:00");
        assertThat(w.closedAt(Instant.parse("2026-10-24T19:59:00Z"))).isEmpty();
        assertThat(w.closedAt(Instant.parse("2026-10-24T20:00:00Z"))).hasValueSatisfying(c ->
                assertThat(c.opens()).isEqualTo(Instant.parse("2026-10-25T05:00:00Z")));
        assertThat(w.closedAt(Instant.parse("2026-10-25T04:30:00Z"))).isPresent();
        assertThat(w.closedAt(Instant.parse("2026-10-25T05:00:00Z"))).isEmpty();
    }

    @Test
    void timesTheClocksSkipOrRepeatResolveToTheWallClocksReading() {
        // a daily window ending at 02:30: on the spring-forward night 02:30 does not exist, it ends at 03:30 CEST (01:30Z)
        DeployWindow daily = new DeployWindow("night", List.of("*"), BERLIN, Optional.empty(), LocalTime.of(1, 0), Optional.empty(), LocalTime.of(2, 30),
                new Location("p", 1, 1));
        assertThat(daily.closedAt(Instant.parse("2026-03-29T00:30:00Z"))).hasValueSatisfying(c ->
                assertThat(c.opens()).isEqualTo(Instant.parse("2026-03-29T01:30:00Z")));
        // on the fall-back night 02:30 happens twice: the window ends at the first (02:30 CEST, 00:30Z)
        assertThat(daily.closedAt(Instant.parse("2026-10-25T00:00:00Z"))).hasValueSatisfying(c ->
                assertThat(c.opens()).isEqualTo(Instant.parse("2026-10-25T00:30:00Z")));
        assertThat(daily.closedAt(Instant.parse("2026-10-25T01:15:00Z"))).as("02:15 CET, the second pass, is after the window").isEmpty();
        // an ordinary day: 01:00 to 02:30 CET
        assertThat(daily.closedAt(Instant.parse("2026-11-10T00:10:00Z"))).isPresent();
        assertThat(daily.closedAt(Instant.parse("2026-11-10T01:30:00Z"))).isEmpty();
        assertThat(daily.closedAt(Instant.parse("2026-11-09T23:59:00Z"))).isEmpty();
    }

    @Test
    void aDailyWindowAcrossMidnight() {
        DeployWindow night = new DeployWindow("night", List.of("payments"), ZoneId.of("America/New_York"), Optional.empty(), LocalTime.of(22, 0),
                Optional.empty(), LocalTime.of(6, 0), new Location("p", 1, 1));
        assertThat(night.closedAt(Instant.parse("2026-06-10T03:00:00Z"))).as("23:00 EDT").hasValueSatisfying(c ->
                assertThat(c.opens()).isEqualTo(Instant.parse("2026-06-10T10:00:00Z")));
        assertThat(night.closedAt(Instant.parse("2026-06-10T09:00:00Z"))).as("05:00 EDT").isPresent();
        assertThat(night.closedAt(Instant.parse("2026-06-10T14:00:00Z"))).as("10:00 EDT").isEmpty();
        assertThat(night.covers("payments")).isTrue();
        assertThat(night.covers("catalog")).isFalse();
    }
}
