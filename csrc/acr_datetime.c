/*
 * acr_datetime.c -- RFC 3339 (section 5.6) date-times, kept exactly.
 *
 * A value is an instant (int64 seconds + nanoseconds since the Unix epoch)
 * plus the way its text was written (offset, fraction digits, letter case,
 * "-00:00", leap second), so that format(parse(text)) gives the text back
 * byte for byte.  Calendar math is integer only (days from civil and back,
 * exact over the whole proleptic Gregorian calendar); floating point appears
 * only at the double-based edges (from_number, diff) and needs no libm.
 * Parsing is by hand: no <ctype.h>, no strtol, so no locale can change it.
 */
#include "acr_internal.h"

#include <stdio.h>
#include <string.h>

#define NS_PER_SEC 1000000000
#define SEC_PER_DAY 86400
#define MAX_OFFSET (23 * 60 + 59) /* minutes: +-23:59 is the widest */
#define QUOTE_MAX 60              /* input bytes quoted in an error message */

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in seconds since the epoch:
 * the range of years this model accepts (checked by the tests). */
#define SEC_MIN INT64_C(-62167219200)
#define SEC_MAX INT64_C(253402300799)

/* Years written by acr_datetime_format are clamped to this so the text of
 * any struct, even a hand-made nonsense one, fits ACR_DATETIME_TEXT_MAX. */
#define YEAR_CLAMP 99999

/* ------------------------------------------------------------------------ */
/* Calendar                                                                 */
/* ------------------------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b) /* b > 0 */
{
  int64_t q = a / b;
  if (a % b < 0) q--;
  return q;
}

static int is_leap_year(int64_t y)
{
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
  static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30,
                                          31, 31, 30, 31, 30, 31};
  return (m == 2 && is_leap_year(y)) ? 29 : mdays[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil): years counted from March so the leap day is last, and
 * 400-year eras so that it is exact for negative years too. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
  int64_t era;
  unsigned yoe, doy, doe;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (unsigned)(y - era * 400);                                /* 0..399 */
  doy = (153u * (unsigned)(m > 2 ? m - 3 : m + 9) + 2u) / 5u +
        (unsigned)d - 1u;                                         /* 0..365 */
  doe = yoe * 365u + yoe / 4u - yoe / 100u + doy;              /* 0..146096 */
  return era * 146097 + (int64_t)doe - 719468;
}

/* The inverse of days_from_civil (Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
  int64_t era;
  unsigned doe, yoe, doy, mp;
  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = (unsigned)(z - era * 146097);                          /* 0..146096 */
  yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u; /* 0..399 */
  doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);               /* 0..365 */
  mp = (5u * doy + 2u) / 153u;                                     /* 0..11 */
  *d = (int)(doy - (153u * mp + 2u) / 5u + 1u);
  *m = (int)(mp < 10u ? mp + 3u : mp - 9u);
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* ------------------------------------------------------------------------ */
/* Normal form                                                              */
/* ------------------------------------------------------------------------ */

/* 10^(9 - digits): nsec must be a multiple of it to be written exactly. */
static const int32_t digit_unit[10] = {
    1000000000, 100000000, 10000000, 1000000, 100000,
    10000,      1000,      100,      10,      1};

/* digits kept if they write nsec exactly, else the smallest of 3, 6, 9
 * (not below digits) that does: precision is never silently lost, and
 * grown fractions look like milli-, micro- or nanoseconds. */
static unsigned grow_digits(unsigned digits, int32_t nsec)
{
  if (digits > 9) digits = 9;
  while (nsec % digit_unit[digits] != 0)
    digits = digits < 3 ? 3 : digits < 6 ? 6 : 9;
  return digits;
}

/* The struct is public, so a host may hand us any bits.  Every reader goes
 * through this: nsec into 0..999999999 (saturating sec), offset within
 * +-23:59, digits exact, and flags only where they mean something (a "Z"
 * only for offset 0, a leap second only on a minute boundary). Values made
 * by this file are already in this form and come out unchanged. */
static acr_datetime dt_normal(const acr_datetime *dt)
{
  acr_datetime v = *dt;
  if (v.nsec < 0 || v.nsec >= NS_PER_SEC) {
    int32_t carry = v.nsec / NS_PER_SEC, rem = v.nsec % NS_PER_SEC;
    if (rem < 0) {
      rem += NS_PER_SEC;
      carry--;
    }
    if (carry > 0 && v.sec > INT64_MAX - carry) {
      v.sec = INT64_MAX;
      v.nsec = NS_PER_SEC - 1;
    } else if (carry < 0 && v.sec < INT64_MIN - carry) {
      v.sec = INT64_MIN;
      v.nsec = 0;
    } else {
      v.sec += carry;
      v.nsec = rem;
    }
  }
  if (v.offset > MAX_OFFSET) v.offset = MAX_OFFSET;
  if (v.offset < -MAX_OFFSET) v.offset = -MAX_OFFSET;
  v.digits = (uint8_t)grow_digits(v.digits, v.nsec);
  v.flags = (uint8_t)(v.flags & (ACR_DT_ZULU | ACR_DT_LOWER_T |
                                  ACR_DT_LOWER_Z | ACR_DT_NEG_ZERO |
                                  ACR_DT_LEAP));
  if (v.offset != 0)
    v.flags = (uint8_t)(v.flags & ~(ACR_DT_ZULU | ACR_DT_NEG_ZERO));
  if (v.flags & ACR_DT_ZULU)
    v.flags = (uint8_t)(v.flags & ~ACR_DT_NEG_ZERO);
  else
    v.flags = (uint8_t)(v.flags & ~ACR_DT_LOWER_Z);
  /* Offsets are whole minutes, so "on a minute boundary" is the same in UTC
   * and in local time. */
  if ((v.flags & ACR_DT_LEAP) && (v.sec == INT64_MIN || v.sec % 60 != 0))
    v.flags = (uint8_t)(v.flags & ~ACR_DT_LEAP);
  return v;
}

typedef struct dt_fields {
  int64_t year;
  int month, day, hour, min, sec;
} dt_fields;

/* Local fields of a normal value as written: a leap second is the instant
 * of the next minute's :00, shown as second 60 of the minute before. */
static void dt_local(const acr_datetime *v, dt_fields *f)
{
  int leap = (v->flags & ACR_DT_LEAP) != 0;
  int64_t t = v->sec - leap; /* dt_normal made this safe */
  /* Not t - floor_div(t) * 86400: that overflows near INT64_MIN. */
  int64_t days = t / SEC_PER_DAY, sod = t % SEC_PER_DAY;
  int64_t lo = days_from_civil(-YEAR_CLAMP, 1, 1);
  int64_t hi = days_from_civil(YEAR_CLAMP, 12, 31);
  if (sod < 0) {
    sod += SEC_PER_DAY;
    days--;
  }
  sod += (int64_t)v->offset * 60; /* |offset| < 1 day */
  if (sod < 0) {
    sod += SEC_PER_DAY;
    days--;
  } else if (sod >= SEC_PER_DAY) {
    sod -= SEC_PER_DAY;
    days++;
  }
  if (days < lo) {
    days = lo;
    sod = 0;
    leap = 0;
  } else if (days > hi) {
    days = hi;
    sod = SEC_PER_DAY - 1;
    leap = 0;
  }
  civil_from_days(days, &f->year, &f->month, &f->day);
  f->hour = (int)(sod / 3600);
  f->min = (int)(sod / 60 % 60);
  f->sec = leap ? 60 : (int)(sod % 60);
}

/* Local seconds (seconds since the epoch as if the offset were UTC) within
 * the years 0000..9999?  Overflow-safe for any sec. */
static int local_in_range(int64_t sec, int offset)
{
  int64_t off = (int64_t)offset * 60;
  if (sec < SEC_MIN - 86400 || sec > SEC_MAX + 86400) return 0;
  return sec + off >= SEC_MIN && sec + off <= SEC_MAX;
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */
/* ------------------------------------------------------------------------ */

/* Appends s[0..n) to buf as a double-quoted literal: at most QUOTE_MAX
 * bytes, non-printable bytes, quote and backslash escaped, so a message
 * stays one readable line whatever the input.  buf has room for
 * 4 * QUOTE_MAX + 6 bytes. */
static void quote_input(char *buf, const char *s, size_t n)
{
  static const char hex[] = "0123456789abcdef";
  size_t i, k = 0, m = n > QUOTE_MAX ? QUOTE_MAX : n;
  buf[k++] = '"';
  for (i = 0; i < m; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      buf[k++] = '\\';
      buf[k++] = (char)c;
    } else if (c < 0x20 || c >= 0x7f) {
      buf[k++] = '\\';
      buf[k++] = 'x';
      buf[k++] = hex[c >> 4];
      buf[k++] = hex[c & 15];
    } else {
      buf[k++] = (char)c;
    }
  }
  if (m < n) {
    memcpy(buf + k, "...", 3);
    k += 3;
  }
  buf[k++] = '"';
  buf[k] = '\0';
}

/* Fills err (if any) with 'invalid date-time "<text>": <detail>' and the
 * 0-based offset of the problem; returns kind. */
static acr_status dt_fail(acr_error *err, const char *s, size_t n, size_t at,
                          acr_status kind, const char *fmt, ...)
    ACR_PRINTF(6, 7);
static acr_status dt_fail(acr_error *err, const char *s, size_t n, size_t at,
                          acr_status kind, const char *fmt, ...)
{
  char quoted[4 * QUOTE_MAX + 8];
  char detail[160];
  va_list ap;
  if (err == NULL) return kind;
  quote_input(quoted, s, n);
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  err->offset = (long)at;
  return acr_err(err, kind, "invalid date-time %s: %s", quoted, detail);
}

/* " (end of text)" when the expected byte is missing rather than wrong:
 * the quoted text alone would not show it. */
static const char *at_end(size_t pos, size_t n)
{
  return pos >= n ? " (end of text)" : "";
}

/* Reads exactly width digits at *pos into *val; 0 if they are not there. */
static int read_digits(const char *s, size_t n, size_t *pos, int width,
                       int *val)
{
  int i, v = 0;
  for (i = 0; i < width; i++) {
    size_t p = *pos + (size_t)i;
    if (p >= n || s[p] < '0' || s[p] > '9') return 0;
    v = v * 10 + (s[p] - '0');
  }
  *pos += (size_t)width;
  *val = v;
  return 1;
}

/* The fixed-width start of a date-time: each numeric field, its first
 * byte, and the separator that follows it (0 for none). */
static const struct {
  const char *what;
  unsigned char width, sep;
} dt_layout[6] = {
    {"4-digit year", 4, '-'},    {"2-digit month", 2, '-'},
    {"2-digit day", 2, 'T'},     {"2-digit hour", 2, ':'},
    {"2-digit minute", 2, ':'},  {"2-digit second", 2, 0},
};
#define AT_MONTH 5
#define AT_DAY 8
#define AT_HOUR 11
#define AT_MIN 14
#define AT_SEC 17

/* Two passes: first the form (ACR_ESYNTAX), then the ranges (ACR_ESCHEMA),
 * so that text that is not a date-time at all is never reported as merely
 * out of range.  *out is written only on success. */
acr_status acr_datetime_parse(const char *s, size_t n, acr_datetime *out,
                              acr_error *err)
{
  int field[6]; /* year month day hour minute second, as written */
  int off_h = 0, off_m = 0, off_sign = 0, i;
  size_t pos = 0, ndigits = 0, frac_at = 0, off_at = 0;
  int32_t nsec = 0;
  unsigned flags = 0;
  int64_t sec;

  if (s == NULL) n = 0;

  /* ---- form ---- */
  for (i = 0; i < 6; i++) {
    size_t start = pos;
    if (!read_digits(s, n, &pos, dt_layout[i].width, &field[i]))
      return dt_fail(err, s, n, start, ACR_ESYNTAX,
                     "expected %s at character %lu%s", dt_layout[i].what,
                     (unsigned long)start + 1, at_end(start, n));
    if (dt_layout[i].sep == 'T') {
      /* ABNF literals are case-insensitive (RFC 3339 5.6 NOTE). */
      if (pos < n && (s[pos] == 'T' || s[pos] == 't')) {
        if (s[pos] == 't') flags |= ACR_DT_LOWER_T;
        pos++;
      } else {
        return dt_fail(err, s, n, pos, ACR_ESYNTAX,
                       "expected 'T' at character %lu%s",
                       (unsigned long)pos + 1, at_end(pos, n));
      }
    } else if (dt_layout[i].sep != 0) {
      if (pos >= n || s[pos] != (char)dt_layout[i].sep)
        return dt_fail(err, s, n, pos, ACR_ESYNTAX,
                       "expected '%c' at character %lu%s",
                       dt_layout[i].sep, (unsigned long)pos + 1,
                       at_end(pos, n));
      pos++;
    }
  }

  if (pos < n && s[pos] == '.') {
    int32_t scale = NS_PER_SEC;
    pos++;
    frac_at = pos;
    while (pos < n && s[pos] >= '0' && s[pos] <= '9') {
      if (ndigits < 9) {
        scale /= 10;
        nsec += (int32_t)(s[pos] - '0') * scale;
      }
      ndigits++;
      pos++;
    }
    if (ndigits == 0)
      return dt_fail(err, s, n, pos, ACR_ESYNTAX,
                     "expected digit after '.' at character %lu%s",
                     (unsigned long)pos + 1, at_end(pos, n));
  }

  off_at = pos;
  if (pos < n && (s[pos] == 'Z' || s[pos] == 'z')) {
    flags |= ACR_DT_ZULU;
    if (s[pos] == 'z') flags |= ACR_DT_LOWER_Z;
    pos++;
  } else if (pos < n && (s[pos] == '+' || s[pos] == '-')) {
    size_t start;
    off_sign = s[pos] == '-' ? -1 : 1;
    start = ++pos;
    if (!read_digits(s, n, &pos, 2, &off_h))
      return dt_fail(err, s, n, start, ACR_ESYNTAX,
                     "expected 2-digit offset hour at character %lu%s",
                     (unsigned long)start + 1, at_end(start, n));
    if (pos >= n || s[pos] != ':')
      return dt_fail(err, s, n, pos, ACR_ESYNTAX,
                     "expected ':' at character %lu%s",
                     (unsigned long)pos + 1, at_end(pos, n));
    start = ++pos;
    if (!read_digits(s, n, &pos, 2, &off_m))
      return dt_fail(err, s, n, start, ACR_ESYNTAX,
                     "expected 2-digit offset minute at character %lu%s",
                     (unsigned long)start + 1, at_end(start, n));
  } else {
    return dt_fail(err, s, n, pos, ACR_ESYNTAX,
                   "expected time offset ('Z', '+hh:mm' or '-hh:mm') at "
                   "character %lu%s",
                   (unsigned long)pos + 1, at_end(pos, n));
  }
  if (pos != n)
    return dt_fail(err, s, n, pos, ACR_ESYNTAX,
                   "unexpected text after the date-time at character %lu",
                   (unsigned long)pos + 1);

  /* ---- ranges, left to right ---- */
  if (field[1] < 1 || field[1] > 12)
    return dt_fail(err, s, n, AT_MONTH, ACR_ESCHEMA,
                   "month %02d out of range 01..12", field[1]);
  {
    int dim = days_in_month(field[0], field[1]);
    if (field[2] < 1 || field[2] > dim)
      return dt_fail(err, s, n, AT_DAY, ACR_ESCHEMA,
                     "day %02d out of range 01..%02d for %04d-%02d",
                     field[2], dim, field[0], field[1]);
  }
  if (field[3] > 23)
    return dt_fail(err, s, n, AT_HOUR, ACR_ESCHEMA,
                   "hour %02d out of range 00..23", field[3]);
  if (field[4] > 59)
    return dt_fail(err, s, n, AT_MIN, ACR_ESCHEMA,
                   "minute %02d out of range 00..59", field[4]);
  if (field[5] > 60)
    return dt_fail(err, s, n, AT_SEC, ACR_ESCHEMA,
                   "second %02d out of range 00..60", field[5]);
  if (ndigits > 9)
    return dt_fail(err, s, n, frac_at + 9, ACR_ESCHEMA,
                   "at most 9 fraction digits (found %lu)",
                   (unsigned long)ndigits);
  if (off_sign != 0 && off_h > 23)
    return dt_fail(err, s, n, off_at + 1, ACR_ESCHEMA,
                   "offset hour %02d out of range 00..23", off_h);
  if (off_sign != 0 && off_m > 59)
    return dt_fail(err, s, n, off_at + 4, ACR_ESCHEMA,
                   "offset minute %02d out of range 00..59", off_m);

  if (field[5] == 60) flags |= ACR_DT_LEAP;
  if (off_sign < 0 && off_h == 0 && off_m == 0) flags |= ACR_DT_NEG_ZERO;

  /* Second 60 adds up to the next minute's :00 by itself. */
  sec = days_from_civil(field[0], field[1], field[2]) * SEC_PER_DAY +
        field[3] * 3600 + field[4] * 60 + field[5] -
        (int64_t)off_sign * (off_h * 60 + off_m) * 60;

  out->sec = sec;
  out->nsec = nsec;
  out->offset = (int16_t)(off_sign * (off_h * 60 + off_m));
  out->digits = (uint8_t)ndigits;
  out->flags = (uint8_t)flags;
  return ACR_OK;
}

/* ------------------------------------------------------------------------ */
/* Formatting                                                               */
/* ------------------------------------------------------------------------ */

/* "00" to "99": two digits at a time. */
static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* Writes v < 100 as two digits. */
static char *put2(char *p, unsigned v)
{
  p[0] = digit_pairs[2 * v];
  p[1] = digit_pairs[2 * v + 1];
  return p + 2;
}

/* Writes v as exactly width decimal digits (v < 10^width), two at a time
 * from the right. */
static char *put_digits(char *p, uint64_t v, int width)
{
  int i = width;
  while (i >= 2) {
    i -= 2;
    put2(p + i, (unsigned)(v % 100));
    v /= 100;
  }
  if (i) p[0] = (char)('0' + (int)v);
  return p + width;
}

static int count_digits(uint64_t v)
{
  int k = 1;
  while (v >= 10) {
    v /= 10;
    k++;
  }
  return k;
}

/* Years outside 0000..9999 cannot be written in RFC 3339.  No function
 * here makes such a value (acr_datetime_utc and acr_datetime_add refuse),
 * but a hand-made struct may hold one: it is written in the ISO 8601
 * expanded form (sign, at least 4 digits) rather than wrapped or cut, and
 * acr_datetime_check tells it apart. */
size_t acr_datetime_format(const acr_datetime *dt, char *buf)
{
  acr_datetime v = dt_normal(dt);
  dt_fields f;
  char *p = buf;
  dt_local(&v, &f);

  /* Fixed widths by put2: a division per digit was a third of the JSON
   * writer's time on date-time fields. */
  if (f.year >= 0 && f.year <= 9999) {
    p = put2(p, (unsigned)(f.year / 100));
    p = put2(p, (unsigned)(f.year % 100));
  } else {
    uint64_t ay = (uint64_t)(f.year < 0 ? -f.year : f.year);
    int w = count_digits(ay);
    *p++ = f.year < 0 ? '-' : '+';
    p = put_digits(p, ay, w < 4 ? 4 : w);
  }
  *p++ = '-';
  p = put2(p, (unsigned)f.month);
  *p++ = '-';
  p = put2(p, (unsigned)f.day);
  *p++ = (v.flags & ACR_DT_LOWER_T) ? 't' : 'T';
  p = put2(p, (unsigned)f.hour);
  *p++ = ':';
  p = put2(p, (unsigned)f.min);
  *p++ = ':';
  p = put2(p, (unsigned)f.sec);
  if (v.digits > 0) {
    *p++ = '.';
    p = put_digits(p, (uint64_t)(v.nsec / digit_unit[v.digits]), v.digits);
  }
  if (v.flags & ACR_DT_ZULU) {
    *p++ = (v.flags & ACR_DT_LOWER_Z) ? 'z' : 'Z';
  } else {
    int off = v.offset;
    *p++ = (off < 0 || (v.flags & ACR_DT_NEG_ZERO)) ? '-' : '+';
    if (off < 0) off = -off;
    p = put2(p, (unsigned)(off / 60));
    *p++ = ':';
    p = put2(p, (unsigned)(off % 60));
  }
  *p = '\0';
  return (size_t)(p - buf);
}

/* ------------------------------------------------------------------------ */
/* Making and changing values                                               */
/* ------------------------------------------------------------------------ */

acr_status acr_datetime_from_epoch(int64_t sec, int32_t nsec,
                                   acr_datetime *out)
{
  acr_datetime v;
  /* Reject far values before normalizing nsec can overflow sec. */
  if (sec < SEC_MIN - 3 || sec > SEC_MAX + 3) return ACR_ESCHEMA;
  v.sec = sec + nsec / NS_PER_SEC;
  v.nsec = nsec % NS_PER_SEC;
  if (v.nsec < 0) {
    v.nsec += NS_PER_SEC;
    v.sec--;
  }
  if (v.sec < SEC_MIN || v.sec > SEC_MAX) return ACR_ESCHEMA;
  v.offset = 0;
  v.digits = (uint8_t)grow_digits(0, v.nsec);
  v.flags = ACR_DT_ZULU;
  *out = v;
  return ACR_OK;
}

/* The double is split into whole seconds and a fraction first: the
 * fraction (exact, as x - floor(x) always is) then keeps all its bits when
 * scaled to nanoseconds, where secs * 1e9 would lose them for present-day
 * instants.  floor and round are done by hand so the core needs no libm. */
acr_status acr_datetime_from_number(double secs, acr_datetime *out)
{
  int64_t whole, ns;
  double frac, scaled;
  /* Also false for NaN; bounds are exact doubles. */
  if (!(secs >= (double)SEC_MIN - 1.0 && secs < (double)SEC_MAX + 1.0))
    return ACR_ESCHEMA;
  whole = (int64_t)secs; /* truncates toward zero */
  if ((double)whole > secs) whole--;
  frac = secs - (double)whole; /* 0 <= frac < 1, exact */
  scaled = frac * 1e9;
  ns = (int64_t)scaled;
  /* Not floor(x + 0.5): that rounds 0.49999999999999994 up. */
  if (scaled - (double)ns >= 0.5) ns++;
  if (ns >= NS_PER_SEC) {
    ns -= NS_PER_SEC;
    whole++;
  }
  return acr_datetime_from_epoch(whole, (int32_t)ns, out);
}

/* Whole local seconds as written (a leap second counts as second 59 of its
 * minute) within the years 0000..9999?  For a normal value. */
static int text_in_range(const acr_datetime *v)
{
  int leap = (v->flags & ACR_DT_LEAP) != 0;
  return local_in_range(v->sec - leap, v->offset);
}

/* "9999-12-31T23:59:59-23:59" for messages: the text of a normal value,
 * in the expanded form when its year has left 0000..9999. */
static const char *dt_text(const acr_datetime *v, char *buf)
{
  acr_datetime_format(v, buf);
  return buf;
}

/* A shift of secs + nsec (nsec within +-999999999 after normalizing) as
 * decimal seconds with the fraction trimmed: "1", "-0.5", "86400.000001". */
static void shift_text(int64_t secs, int32_t nsec, char *buf, size_t size)
{
  int64_t ns = (int64_t)nsec;
  int neg;
  uint64_t whole;
  int32_t frac;
  int digits = 9;
  if ((ns >= NS_PER_SEC && secs > INT64_MAX - 2) ||
      (ns <= -NS_PER_SEC && secs < INT64_MIN + 2)) {
    /* the carry would overflow secs: add it to the magnitude (secs and
     * ns have the same sign here) */
    neg = secs < 0;
    whole = neg ? (uint64_t)0 - (uint64_t)secs : (uint64_t)secs;
    whole += (uint64_t)((neg ? -ns : ns) / NS_PER_SEC);
    ns %= NS_PER_SEC;
  } else {
    /* whole seconds toward zero and a fraction of the same sign */
    secs += ns / NS_PER_SEC;
    ns %= NS_PER_SEC;
    if (secs > 0 && ns < 0) {
      secs--;
      ns += NS_PER_SEC;
    } else if (secs < 0 && ns > 0) {
      secs++;
      ns -= NS_PER_SEC;
    }
    neg = secs < 0 || ns < 0;
    whole = secs < 0 ? (uint64_t)0 - (uint64_t)secs : (uint64_t)secs;
  }
  frac = (int32_t)(ns < 0 ? -ns : ns);
  if (frac == 0) {
    snprintf(buf, size, "%s%llu", neg ? "-" : "", (unsigned long long)whole);
    return;
  }
  while (frac % 10 == 0) {
    frac /= 10;
    digits--;
  }
  snprintf(buf, size, "%s%llu.%0*ld", neg ? "-" : "",
           (unsigned long long)whole, digits, (long)frac);
}

acr_status acr_datetime_check(const acr_datetime *dt, acr_error *err)
{
  acr_datetime v = dt_normal(dt);
  char text[ACR_DATETIME_TEXT_MAX];
  if (text_in_range(&v)) return ACR_OK;
  return acr_err(err, ACR_ESCHEMA,
                 "date-time %s is outside the years 0000..9999",
                 dt_text(&v, text));
}

/* Keeps the digits (grown if they could not show nsec) and the leap second:
 * whole-minute offsets keep it on a minute boundary in UTC too.  The
 * letter case is normalized: the result is written "T" and "Z". */
acr_status acr_datetime_utc(const acr_datetime *dt, acr_datetime *out,
                            acr_error *err)
{
  acr_datetime v = dt_normal(dt);
  char text[ACR_DATETIME_TEXT_MAX], utext[ACR_DATETIME_TEXT_MAX];
  acr_datetime u = v;
  u.offset = 0;
  u.flags = (uint8_t)(ACR_DT_ZULU | (v.flags & ACR_DT_LEAP));
  if (!text_in_range(&u))
    return acr_err(err, ACR_ESCHEMA,
                   "date-time %s is %s in UTC, outside the years 0000..9999",
                   dt_text(&v, text), dt_text(&u, utext));
  *out = u;
  return ACR_OK;
}

/* A shift by zero gives the value back as it is (same instant, same text,
 * a leap second included).  Any other shift drops the leap-second flag:
 * the result is another instant, and the instant of a leap second is
 * already the next minute's :00. */
acr_status acr_datetime_add(const acr_datetime *dt, int64_t secs,
                            int32_t nsec, acr_datetime *out, acr_error *err)
{
  acr_datetime v = dt_normal(dt);
  int64_t ns = (int64_t)v.nsec + nsec; /* fits: both are int32 */
  int64_t carry = floor_div(ns, NS_PER_SEC);
  char text[ACR_DATETIME_TEXT_MAX], by[48];
  int ok = 1;
  if (secs == 0 && nsec == 0) {
    if (!text_in_range(&v)) return acr_datetime_check(&v, err);
    *out = v;
    return ACR_OK;
  }
  ns -= carry * NS_PER_SEC;
  /* v.sec is unbounded for hand-made values: add without overflow. */
  if ((secs > 0 && v.sec > INT64_MAX - secs) ||
      (secs < 0 && v.sec < INT64_MIN - secs))
    ok = 0;
  else if ((carry > 0 && v.sec + secs > INT64_MAX - carry) ||
           (carry < 0 && v.sec + secs < INT64_MIN - carry))
    ok = 0;
  else if (!local_in_range(v.sec + secs + carry, v.offset))
    ok = 0;
  if (!ok) {
    shift_text(secs, nsec, by, sizeof by);
    return acr_err(err, ACR_ESCHEMA,
                   "date-time %s shifted by %s seconds is outside the years "
                   "0000..9999",
                   dt_text(&v, text), by);
  }
  v.sec += secs + carry;
  v.nsec = (int32_t)ns;
  v.digits = (uint8_t)grow_digits(v.digits, v.nsec);
  v.flags = (uint8_t)(v.flags & ~ACR_DT_LEAP);
  *out = v;
  return ACR_OK;
}

int acr_datetime_cmp(const acr_datetime *a, const acr_datetime *b)
{
  acr_datetime x = dt_normal(a), y = dt_normal(b);
  if (x.sec != y.sec) return x.sec < y.sec ? -1 : 1;
  if (x.nsec != y.nsec) return x.nsec < y.nsec ? -1 : 1;
  return 0;
}

/* Seconds and nanoseconds are subtracted as integers first, so the result
 * is the double nearest the exact difference for any realistic span. */
double acr_datetime_diff(const acr_datetime *a, const acr_datetime *b)
{
  acr_datetime x = dt_normal(a), y = dt_normal(b);
  double ds;
  int32_t dn = y.nsec - x.nsec; /* within +-999999999 */
  /* Hand-made values may be far apart: avoid int64 overflow. */
  if (x.sec >= 0 ? y.sec >= INT64_MIN + x.sec : y.sec <= INT64_MAX + x.sec)
    ds = (double)(y.sec - x.sec);
  else
    ds = (double)y.sec - (double)x.sec;
  return ds + (double)dn / 1e9;
}

void acr_datetime_civil(const acr_datetime *dt, acr_civil *out)
{
  acr_datetime v = dt_normal(dt);
  dt_fields f;
  dt_local(&v, &f);
  out->year = (int)f.year; /* clamped to +-YEAR_CLAMP */
  out->month = f.month;
  out->day = f.day;
  out->hour = f.hour;
  out->min = f.min;
  out->sec = f.sec;
  out->nsec = v.nsec;
  out->offset = v.offset;
}
