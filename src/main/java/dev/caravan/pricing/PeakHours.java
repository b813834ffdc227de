package dev.caravan.pricing;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * When a provider bills its peak price ({@code caravan.peak-hours.<name>}): on these days of the week, in these
 * hours, in the provider's timezone, except on holidays. Read once when bound: every request's cost asks it.
 */
final class PeakHours {

    /** One period of peak hours in a day, start included, end not. */
    private record Period(LocalTime start, LocalTime end) {
        boolean contains(LocalTime time) {
            return !time.isBefore(start) && time.isBefore(end);
        }
    }

    private final ZoneId zone;
    private final Set<DayOfWeek> days;
    private final List<Period> hours;
    private final Set<LocalDate> holidays;

    /**
     * @param zone          the timezone the hours are in, e.g. {@code Asia/Shanghai}
     * @param days          the days of the week, e.g. {@code [MONDAY, TUESDAY, ...]}
     * @param hours         periods {@code HH:mm-HH:mm}, start included, end not
     * @param holidays      days off the schedule, from the price book
     * @param extraHolidays days off the operator adds (next year's holidays, say), kept with the book's own
     */
    PeakHours(String zone, @DefaultValue List<DayOfWeek> days, @DefaultValue List<String> hours,
              @DefaultValue List<LocalDate> holidays, @DefaultValue List<LocalDate> extraHolidays) {
        this.zone = ZoneId.of(zone);
        this.days = Set.copyOf(days);
        this.hours = hours.stream().map(PeakHours::period).toList();
        this.holidays = Set.copyOf(Stream.concat(holidays.stream(), extraHolidays.stream()).toList());
    }

    boolean contains(Instant instant) {
        ZonedDateTime local = instant.atZone(zone);
        if (!days.contains(local.getDayOfWeek()) || holidays.contains(local.toLocalDate())) {
            return false;
        }
        LocalTime time = local.toLocalTime();
        return hours.stream().anyMatch(period -> period.contains(time));
    }

    private static Period period(String text) {
        String[] ends = text.split("-");
        if (ends.length != 2) {
            throw new IllegalArgumentException("peak hours '" + text + "' are not HH:mm-HH:mm");
        }
        return new Period(LocalTime.parse(ends[0].trim()), LocalTime.parse(ends[1].trim()));
    }
}
