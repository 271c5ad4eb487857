import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { CriterionConfigError, defineCriterion } from './criterion.ts';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const WEEKDAY_INDEX: Readonly<Record<string, number>> = {
  Sun: 0,
  Mon: 1,
  Tue: 2,
  Wed: 3,
  Thu: 4,
  Fri: 5,
  Sat: 6,
};

/**
 * `timeWindow: { days: [mon..fri], hours: "09:00-18:00", timezone: Europe/Paris }` — the
 * decision clock, read in the given zone (default UTC). Hours: start inclusive, end
 * exclusive; a window may wrap midnight (`22:00-06:00`), and `days` is checked against the
 * local day at the moment of the request. The formatter is built once; the local day and
 * minute are cached per clock minute.
 */
export const timeWindow = defineCriterion({
  name: 'timeWindow',
  schema: CriteriaSchemas.timeWindow,
  reason: 'time-window-closed',
  identity: false,
  cost: 1,
  compile: (arg) => {
    const timeZone = arg.timezone ?? 'UTC';
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
    } catch {
      throw new CriterionConfigError(
        `unknown time zone "${timeZone}" (expected an IANA name such as Europe/Paris)`,
        '/timezone',
      );
    }
    const days = arg.days ? new Set(arg.days.map((d) => DAYS.indexOf(d))) : undefined;
    const window = arg.hours ? parseHours(arg.hours) : undefined;

    let cachedMinute = Number.NaN;
    let cachedDay = 0;
    let cachedMinuteOfDay = 0;
    return (ctx) => {
      const minute = Math.floor(ctx.nowSeconds / 60);
      if (!Number.isFinite(minute)) return false;
      if (minute !== cachedMinute) {
        let weekday = '';
        let hour = 0;
        let min = 0;
        for (const part of format.formatToParts(minute * 60_000)) {
          if (part.type === 'weekday') weekday = part.value;
          else if (part.type === 'hour') hour = Number(part.value);
          else if (part.type === 'minute') min = Number(part.value);
        }
        cachedDay = WEEKDAY_INDEX[weekday] ?? -1;
        cachedMinuteOfDay = hour * 60 + min;
        cachedMinute = minute;
      }
      if (days && !days.has(cachedDay)) return false;
      if (!window) return true;
      const [start, end] = window;
      return start < end
        ? cachedMinuteOfDay >= start && cachedMinuteOfDay < end
        : cachedMinuteOfDay >= start || cachedMinuteOfDay < end;
    };
  },
});

/** "09:00-18:00" -> [540, 1080] minutes of the day. */
function parseHours(hours: string): [number, number] {
  const [from = '', to = ''] = hours.split('-');
  const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const start = toMinutes(from);
  const end = toMinutes(to);
  if (start >= 24 * 60 || end > 24 * 60)
    throw new CriterionConfigError(
      `"${hours}": times go from 00:00 to 24:00 (24:00 as an end only)`,
      '/hours',
    );
  if (start === end) throw new CriterionConfigError(`"${hours}" is an empty window`, '/hours');
  return [start, end];
}
