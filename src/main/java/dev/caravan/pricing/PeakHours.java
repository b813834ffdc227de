package dev.caravan.pricing;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * When a provider bills its peak price ({@code caravan.peak-hours.<name>}): on these days of the week, in these
 * hours, in the provider's timezone, except on holidays.
 *
 * @param zone           the timezone the hours are in, e.g. {@code Asia/Shanghai}
 * @param days           the days of the week, e.g. {@code [MONDAY, TUESDAY, ...]}
 * @param hours          periods {@code HH:mm-HH:mm}, start included, end not
 * @param holidays       days off the schedule, from the price book
 * @param extraHolidays  days off the operator adds (next year's holidays, say), kept with the book's own
 */
record PeakHours(String zone, @DefaultValue List<DayOfWeek> days, @DefaultValue List<String> hours,
                 @DefaultValue List<LocalDate> holidays, @DefaultValue List<LocalDate> extraHolidays) {

    PeakHours {
        ZoneId.of(zone);
        hours.forEach(PeakHours::period);
    }

    boolean contains(Instant instant) {
        ZonedDateTime local = instant.atZone(ZoneId.of(zone));
        LocalDate day = local.toLocalDate();
        if (!days.contains(local.getDayOfWeek()) || holidays.contains(day) || extraHolidays.contains(day)) {
            return false;
        }
        LocalTime time = local.toLocalTime();
        return hours.stream().map(PeakHours::period)
                .anyMatch(p -> !time.isBefore(p[0]) && time.isBefore(p[1]));
    }

    private static LocalTime[] period(String text) {
        String[] ends = text.split("-");
        if (ends.length != 2) {
            throw new IllegalArgumentException("peak hours '" + text + "' are not HH:mm-HH:mm");
        }
        return new LocalTime[] {LocalTime.parse(ends[0].trim()), LocalTime.parse(ends[1].trim())};
    }
}
