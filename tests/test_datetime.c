/*
 * test_datetime.c -- C tests of the RFC 3339 date-time core
 * (csrc/acr_datetime.c).  Plain C99, no test framework: prints
 * "test_datetime: N passed, M failed" and exits non-zero on any failure.
 *
 * Build: cc -std=c99 -Icsrc tests/test_datetime.c csrc/acr_datetime.c \
 *           csrc/acr_util.c -o test_datetime
 */
#include "test.h"

/* Parse text that must be valid. */
static acr_datetime P(const char *s)
{
  acr_datetime dt;
  acr_error err;
  memset(&dt, 0, sizeof dt);
  memset(&err, 0, sizeof err);
  if (acr_datetime_parse(s, strlen(s), &dt, &err) != ACR_OK) {
    failed++;
    fprintf(stderr, "parse(\"%s\") failed: %s\n", s, err.message);
  }
  return dt;
}

static const char *F(const acr_datetime *dt)
{
  static char buf[4][ACR_DATETIME_TEXT_MAX];
  static int k;
  char *b = buf[k++ & 3];
  size_t n = acr_datetime_format(dt, b);
  if (n != strlen(b) || n >= ACR_DATETIME_TEXT_MAX) {
    failed++;
    fprintf(stderr, "format: bad length %lu for \"%s\"\n", (unsigned long)n,
            b);
  }
  return b;
}

static void roundtrip(const char *s)
{
  acr_datetime dt = P(s);
  CHECK_STR(F(&dt), s);
}

/* Parse text that must fail with kind at offset, the message containing
 * want (and never touching err->path). */
static void bad(int line, const char *s, size_t n, acr_status kind,
                long offset, const char *want)
{
  acr_datetime dt;
  acr_error err;
  acr_status st;
  memset(&err, 0, sizeof err);
  strcpy(err.path, "keep");
  memset(&dt, 0x5a, sizeof dt);
  st = acr_datetime_parse(s, n, &dt, &err);
  if (st == kind && err.kind == kind && err.offset == offset &&
      strstr(err.message, want) != NULL &&
      strncmp(err.message, "invalid date-time \"", 19) == 0 &&
      strcmp(err.path, "keep") == 0) {
    passed++;
  } else {
    failed++;
    fprintf(stderr,
            "%s:%d: parse(\"%.*s\"): status %d offset %ld message \"%s\"; "
            "want status %d offset %ld containing \"%s\"\n",
            __FILE__, line, (int)n, s, (int)st, err.offset, err.message,
            (int)kind, offset, want);
  }
  /* out is untouched on failure */
  {
    acr_datetime poison;
    memset(&poison, 0x5a, sizeof poison);
    CHECK(memcmp(&dt, &poison, sizeof dt) == 0);
  }
  /* NULL err: same status, no crash */
  CHECK_INT(acr_datetime_parse(s, n, &dt, NULL), kind);
}
#define BAD(s, kind, off, want) bad(__LINE__, s, strlen(s), kind, off, want)

static void test_examples(void)
{
  acr_datetime dt;

  dt = P("2019-08-28T19:20:52.123Z");
  CHECK_INT(dt.sec, 1567020052);
  CHECK_INT(dt.nsec, 123000000);
  CHECK_INT(dt.offset, 0);
  CHECK_INT(dt.digits, 3);
  CHECK_INT(dt.flags, ACR_DT_ZULU);

  dt = P("2018-10-23T00:00:00+00:00");
  CHECK_INT(dt.sec, 1540252800);
  CHECK_INT(dt.nsec, 0);
  CHECK_INT(dt.digits, 0);
  CHECK_INT(dt.flags, 0);

  dt = P("2018-10-23T00:00:00.123456+00:00");
  CHECK_INT(dt.nsec, 123456000);
  CHECK_INT(dt.digits, 6);

  dt = P("2018-10-23T00:00:00.1234567+00:00");
  CHECK_INT(dt.nsec, 123456700);
  CHECK_INT(dt.digits, 7);

  dt = P("2019-08-28T12:20:52-08:00");
  CHECK_INT(dt.sec, 1567023652);
  CHECK_INT(dt.offset, -480);
  CHECK_INT(dt.flags, 0);

  dt = P("2019-08-28T12:20:52.5+05:30");
  CHECK_INT(dt.sec, 1567020052 - 12 * 3600 - 1800);
  CHECK_INT(dt.offset, 330);
  CHECK_INT(dt.nsec, 500000000);
  CHECK_INT(dt.digits, 1);

  dt = P("2019-08-28t19:20:52z");
  CHECK_INT(dt.sec, 1567020052);
  CHECK_INT(dt.flags, ACR_DT_ZULU | ACR_DT_LOWER_T | ACR_DT_LOWER_Z);

  dt = P("2019-08-28t19:20:52Z");
  CHECK_INT(dt.flags, ACR_DT_ZULU | ACR_DT_LOWER_T);

  dt = P("2019-08-28T19:20:52-00:00");
  CHECK_INT(dt.sec, 1567020052);
  CHECK_INT(dt.offset, 0);
  CHECK_INT(dt.flags, ACR_DT_NEG_ZERO);

  dt = P("2019-08-28T19:20:52.000000001Z");
  CHECK_INT(dt.nsec, 1);
  CHECK_INT(dt.digits, 9);

  dt = P("2019-08-28T19:20:52.999999999Z");
  CHECK_INT(dt.nsec, 999999999);

  dt = P("2019-08-28T19:20:52.10Z");
  CHECK_INT(dt.nsec, 100000000);
  CHECK_INT(dt.digits, 2);

  /* known instants */
  CHECK_INT(P("1970-01-01T00:00:00Z").sec, 0);
  CHECK_INT(P("2000-03-01T00:00:00Z").sec, 951868800);
  CHECK_INT(P("1900-03-01T00:00:00Z").sec, -2203891200LL);
  CHECK_INT(P("1969-12-31T23:59:59Z").sec, -1);
  CHECK_INT(P("1970-01-01T01:00:00+01:00").sec, 0);
  CHECK_INT(P("1969-12-31T14:00:00-10:00").sec, 0);
  CHECK_INT(P("1970-01-02T00:00:00+23:59").sec, 86400 - 1439 * 60);
  CHECK_INT(P("1970-01-01T00:00:00-23:59").sec, 1439 * 60);
}

static void test_leap_second(void)
{
  acr_datetime dt, next;
  acr_civil c;

  dt = P("2016-12-31T23:59:60Z");
  next = P("2017-01-01T00:00:00Z");
  CHECK_INT(dt.sec, 1483228800);
  CHECK_INT(dt.flags, ACR_DT_ZULU | ACR_DT_LEAP);
  CHECK_INT(acr_datetime_cmp(&dt, &next), 0);
  CHECK_STR(F(&dt), "2016-12-31T23:59:60Z");
  acr_datetime_civil(&dt, &c);
  CHECK_INT(c.year, 2016);
  CHECK_INT(c.month, 12);
  CHECK_INT(c.day, 31);
  CHECK_INT(c.hour, 23);
  CHECK_INT(c.min, 59);
  CHECK_INT(c.sec, 60);

  /* with a fraction and an offset: local 00:59:60.5+01:00 */
  dt = P("2017-01-01T00:59:60.5+01:00");
  CHECK_INT(dt.sec, 1483228800);
  CHECK_INT(dt.nsec, 500000000);
  CHECK_STR(F(&dt), "2017-01-01T00:59:60.5+01:00");
  /* the same leap second in UTC */
  CHECK_INT(acr_datetime_utc(&dt, &next, NULL), ACR_OK);
  CHECK_STR(F(&next), "2016-12-31T23:59:60.5Z");

  /* second 60 is accepted wherever written (not only at 23:59 UTC) */
  dt = P("2019-08-28T12:34:60Z");
  CHECK_INT(dt.sec, P("2019-08-28T12:35:00Z").sec);
  CHECK_STR(F(&dt), "2019-08-28T12:34:60Z");

  /* a zero shift keeps the value as written; any other drops the flag */
  CHECK_INT(acr_datetime_add(&dt, 0, 0, &next, NULL), ACR_OK);
  CHECK_STR(F(&next), "2019-08-28T12:34:60Z");
  CHECK_INT(acr_datetime_add(&dt, 1, 0, &next, NULL), ACR_OK);
  CHECK_STR(F(&next), "2019-08-28T12:35:01Z");
  CHECK_INT(acr_datetime_add(&dt, -1, 0, &next, NULL), ACR_OK);
  CHECK_STR(F(&next), "2019-08-28T12:34:59Z");

  /* a hand-made leap flag on an instant that is not a minute's :00 is
   * ignored rather than printed as a wrong time */
  dt = P("2019-08-28T12:34:56Z");
  dt.flags |= ACR_DT_LEAP;
  CHECK_STR(F(&dt), "2019-08-28T12:34:56Z");
}

static void test_roundtrip(void)
{
  static const char *const texts[] = {
      "2019-08-28T19:20:52.123Z",
      "2018-10-23T00:00:00+00:00",
      "2018-10-23T00:00:00.123456+00:00",
      "2018-10-23T00:00:00.1234567+00:00",
      "2019-08-28T12:20:52-08:00",
      "2019-08-28T12:20:52.000-08:00",
      "2019-08-28t12:20:52z",
      "2019-08-28T12:20:52z",
      "2019-08-28t12:20:52+01:00",
      "2019-08-28T12:20:52-00:00",
      "2019-08-28T12:20:52.0-00:00",
      "2019-08-28T12:20:52.000000000Z",
      "2019-08-28T12:20:52.000000001Z",
      "2019-08-28T12:20:52.9Z",
      "2019-08-28T12:20:52.12345678Z",
      "2016-12-31T23:59:60Z",
      "2016-12-31T23:59:60.999999999Z",
      "2016-12-31T23:59:60-23:59",
      "2020-02-29T00:00:00Z",
      "2000-02-29T23:59:59+23:59",
      "0000-01-01T00:00:00Z",
      "0000-01-01T00:00:00+23:59",
      "0000-02-29T12:00:00Z",
      "9999-12-31T23:59:59.999999999Z",
      "9999-12-31T23:59:59-23:59",
      "9999-12-31T23:59:60Z",
      "1969-12-31T23:59:59.999999999Z",
      "1583-10-15T00:00:00+05:45",
  };
  size_t i;
  for (i = 0; i < sizeof texts / sizeof texts[0]; i++) roundtrip(texts[i]);
}

static void test_range_errors(void)
{
  BAD("2019-13-01T00:00:00Z", ACR_ESCHEMA, 5,
      "invalid date-time \"2019-13-01T00:00:00Z\": month 13 out of range "
      "01..12");
  BAD("2019-00-01T00:00:00Z", ACR_ESCHEMA, 5, "month 00 out of range 01..12");
  BAD("2019-01-00T00:00:00Z", ACR_ESCHEMA, 8, "day 00 out of range 01..31");
  BAD("2019-01-32T00:00:00Z", ACR_ESCHEMA, 8, "day 32 out of range 01..31");
  BAD("2019-04-31T00:00:00Z", ACR_ESCHEMA, 8,
      "day 31 out of range 01..30 for 2019-04");
  BAD("2019-06-31T00:00:00Z", ACR_ESCHEMA, 8, "day 31 out of range 01..30");
  BAD("2019-09-31T00:00:00Z", ACR_ESCHEMA, 8, "day 31 out of range 01..30");
  BAD("2019-11-31T00:00:00Z", ACR_ESCHEMA, 8, "day 31 out of range 01..30");
  BAD("2019-02-29T00:00:00Z", ACR_ESCHEMA, 8,
      "day 29 out of range 01..28 for 2019-02");
  BAD("1900-02-29T00:00:00Z", ACR_ESCHEMA, 8, "day 29 out of range 01..28");
  BAD("2100-02-29T00:00:00Z", ACR_ESCHEMA, 8, "day 29 out of range 01..28");
  BAD("2020-02-30T00:00:00Z", ACR_ESCHEMA, 8, "day 30 out of range 01..29");
  BAD("2000-02-30T00:00:00Z", ACR_ESCHEMA, 8, "day 30 out of range 01..29");
  P("2020-02-29T00:00:00Z");
  P("2000-02-29T00:00:00Z");
  P("2400-02-29T00:00:00Z");
  P("2019-04-30T00:00:00Z");
  P("2019-01-31T00:00:00Z");
  BAD("2019-01-01T24:00:00Z", ACR_ESCHEMA, 11, "hour 24 out of range 00..23");
  BAD("2019-01-01T99:00:00Z", ACR_ESCHEMA, 11, "hour 99 out of range");
  BAD("2019-01-01T23:60:00Z", ACR_ESCHEMA, 14,
      "minute 60 out of range 00..59");
  BAD("2019-01-01T23:59:61Z", ACR_ESCHEMA, 17,
      "second 61 out of range 00..60");
  BAD("2019-01-01T23:59:99Z", ACR_ESCHEMA, 17, "second 99");
  BAD("2019-01-01T00:00:00.1234567891Z", ACR_ESCHEMA, 29,
      "at most 9 fraction digits");
  BAD("2019-01-01T00:00:00.000000000000000000000000000000000000000Z",
      ACR_ESCHEMA, 29, "at most 9 fraction digits");
  BAD("2019-01-01T00:00:00+24:00", ACR_ESCHEMA, 20,
      "offset hour 24 out of range 00..23");
  BAD("2019-01-01T00:00:00-99:00", ACR_ESCHEMA, 20, "offset hour 99");
  BAD("2019-01-01T00:00:00+23:60", ACR_ESCHEMA, 23,
      "offset minute 60 out of range 00..59");
  BAD("2019-01-01T00:00:00.5-00:60", ACR_ESCHEMA, 25, "offset minute 60");
  P("2019-01-01T00:00:00+23:59");
  P("2019-01-01T00:00:00-23:59");
  /* the first problem from the left is reported */
  BAD("2019-13-32T24:60:61Z", ACR_ESCHEMA, 5, "month 13");
  BAD("2019-12-32T24:60:61Z", ACR_ESCHEMA, 8, "day 32");
  BAD("2019-12-31T24:60:61Z", ACR_ESCHEMA, 11, "hour 24");
  /* form is checked before range: not a date-time at all is a syntax
   * error even when a field is also out of range */
  BAD("2019-13-01T00:00:00", ACR_ESYNTAX, 19, "expected time offset");
}

static void test_syntax_errors(void)
{
  static const char nul_text[] = "2019-01-01T00:00:00Z\0";
  BAD("", ACR_ESYNTAX, 0,
      "invalid date-time \"\": expected 4-digit year at character 1 "
      "(end of text)");
  CHECK_INT(acr_datetime_parse(NULL, 0, NULL, NULL), ACR_ESYNTAX);
  BAD("2019", ACR_ESYNTAX, 4, "expected '-' at character 5 (end of text)");
  BAD("2019-08", ACR_ESYNTAX, 7, "expected '-' at character 8");
  BAD("2019-08-28", ACR_ESYNTAX, 10, "expected 'T' at character 11");
  BAD("2019-08-28T", ACR_ESYNTAX, 11, "expected 2-digit hour at character 12");
  BAD("2019-08-28T19", ACR_ESYNTAX, 13, "expected ':' at character 14");
  BAD("2019-08-28T19-20-52Z", ACR_ESYNTAX, 13,
      "expected ':' at character 14");
  BAD("2019-08-28T19:20", ACR_ESYNTAX, 16, "expected ':' at character 17");
  BAD("2019-08-28T19:20:52", ACR_ESYNTAX, 19,
      "expected time offset ('Z', '+hh:mm' or '-hh:mm') at character 20 "
      "(end of text)");
  BAD("2019-08-28 19:20:52Z", ACR_ESYNTAX, 10, "expected 'T'");
  BAD("2019-08-28x19:20:52Z", ACR_ESYNTAX, 10, "expected 'T'");
  BAD("2019-08-28T19:20:52.Z", ACR_ESYNTAX, 20,
      "expected digit after '.' at character 21");
  BAD("2019-08-28T19:20:52.", ACR_ESYNTAX, 20,
      "expected digit after '.' at character 21 (end of text)");
  BAD("2019-08-28T19:20:52,5Z", ACR_ESYNTAX, 19, "expected time offset");
  BAD("2019-08-28T19:20:52+01", ACR_ESYNTAX, 22,
      "expected ':' at character 23");
  BAD("2019-08-28T19:20:52+0100", ACR_ESYNTAX, 22, "expected ':'");
  BAD("2019-08-28T19:20:52+1:00", ACR_ESYNTAX, 20,
      "expected 2-digit offset hour at character 21");
  BAD("2019-08-28T19:20:52+01:0", ACR_ESYNTAX, 23,
      "expected 2-digit offset minute at character 24");
  BAD("2019-08-28T19:20:52+", ACR_ESYNTAX, 20, "expected 2-digit offset hour");
  BAD("2019-08-28T19:20:52UTC", ACR_ESYNTAX, 19, "expected time offset");
  /* trailing garbage */
  BAD("2019-08-28T19:20:52Zx", ACR_ESYNTAX, 20,
      "unexpected text after the date-time at character 21");
  BAD("2019-08-28T19:20:52ZZ", ACR_ESYNTAX, 20, "unexpected text");
  BAD("2019-08-28T19:20:52Z ", ACR_ESYNTAX, 20, "unexpected text");
  BAD("2019-08-28T19:20:52+01:000", ACR_ESYNTAX, 25, "unexpected text");
  bad(__LINE__, nul_text, sizeof nul_text - 1, ACR_ESYNTAX, 20,
      "\"2019-01-01T00:00:00Z\\x00\": unexpected text");
  /* a length shorter than the C string: only n bytes count */
  {
    acr_datetime dt;
    CHECK_INT(acr_datetime_parse("2019-08-28T19:20:52Zjunk", 20, &dt, NULL),
              ACR_OK);
    CHECK_INT(dt.sec, 1567020052);
  }
  /* 1-digit and wrong-width fields */
  BAD("219-08-28T19:20:52Z", ACR_ESYNTAX, 0, "expected 4-digit year");
  BAD("20190-08-28T19:20:52Z", ACR_ESYNTAX, 4, "expected '-' at character 5");
  BAD("2019-8-28T19:20:52Z", ACR_ESYNTAX, 5,
      "expected 2-digit month at character 6");
  BAD("2019-08-8T19:20:52Z", ACR_ESYNTAX, 8,
      "expected 2-digit day at character 9");
  BAD("2019-08-28T9:20:52Z", ACR_ESYNTAX, 11, "expected 2-digit hour");
  BAD("2019-08-28T19:2:52Z", ACR_ESYNTAX, 14, "expected 2-digit minute");
  BAD("2019-08-28T19:20:5Z", ACR_ESYNTAX, 17, "expected 2-digit second");
  BAD("2019-08-28T19:20:520Z", ACR_ESYNTAX, 19, "expected time offset");
  /* signs, spaces and non-ASCII digits are not digits */
  BAD("+019-08-28T19:20:52Z", ACR_ESYNTAX, 0, "expected 4-digit year");
  BAD(" 2019-08-28T19:20:52Z", ACR_ESYNTAX, 0, "expected 4-digit year");
  BAD("2019-08-28T19:20:-2Z", ACR_ESYNTAX, 17, "expected 2-digit second");
  BAD("2019-\xd9\xa0\x38-28T19:20:52Z", ACR_ESYNTAX, 5,
      "\"2019-\\xd9\\xa08-28T19:20:52Z\": expected 2-digit month");
  /* quoting: quotes and backslashes escaped, long input cut at 60 bytes */
  BAD("\"2019\\", ACR_ESYNTAX, 0, "\"\\\"2019\\\\\": expected 4-digit year");
  BAD("2019-08-28T19:20:52Z.........................................."
      "..........xyz",
      ACR_ESYNTAX, 20,
      "\"2019-08-28T19:20:52Z...........................................\": "
      "unexpected text");
}

/* Every day of 0000..9999 against a naive day-by-day calendar, both ways. */
static void test_every_day(void)
{
  int y = 0, m = 1, d = 1, bad = 0;
  int64_t day = -719528; /* 0000-01-01 */
  char want[ACR_DATETIME_TEXT_MAX], got[ACR_DATETIME_TEXT_MAX];
  static const int mdays[12] = {31, 28, 31, 30, 31, 30,
                                31, 31, 30, 31, 30, 31};
  for (; y <= 9999; day++) {
    acr_datetime dt;
    acr_civil c;
    int dim;
    sprintf(want, "%04d-%02d-%02dT12:34:56Z", y, m, d);
    if (acr_datetime_from_epoch(day * 86400 + 45296, 0, &dt) != ACR_OK)
      bad++;
    acr_datetime_format(&dt, got);
    if (strcmp(got, want) != 0 && bad++ < 5)
      fprintf(stderr, "day %lld: got %s want %s\n", (long long)day, got,
              want);
    acr_datetime_civil(&dt, &c);
    if (c.year != y || c.month != m || c.day != d) bad++;
    if (acr_datetime_parse(want, strlen(want), &dt, NULL) != ACR_OK ||
        dt.sec != day * 86400 + 45296)
      bad++;
    dim = mdays[m - 1] +
          (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    if (++d > dim) {
      d = 1;
      if (++m > 12) {
        m = 1;
        y++;
      }
    }
  }
  CHECK_INT(bad, 0);
  CHECK_INT(day, 2932897); /* 10000-01-01 */
}

static void test_from_epoch(void)
{
  acr_datetime dt;

  CHECK_INT(acr_datetime_from_epoch(0, 0, &dt), ACR_OK);
  CHECK_STR(F(&dt), "1970-01-01T00:00:00Z");
  CHECK_INT(dt.flags, ACR_DT_ZULU);
  CHECK_INT(dt.offset, 0);
  CHECK_INT(dt.digits, 0);

  CHECK_INT(acr_datetime_from_epoch(-1, 0, &dt), ACR_OK);
  CHECK_STR(F(&dt), "1969-12-31T23:59:59Z");
  CHECK_INT(acr_datetime_from_epoch(1567020052, 123000000, &dt), ACR_OK);
  CHECK_STR(F(&dt), "2019-08-28T19:20:52.123Z");
  CHECK_INT(acr_datetime_from_epoch(0, 100000, &dt), ACR_OK);
  CHECK_STR(F(&dt), "1970-01-01T00:00:00.000100Z");
  CHECK_INT(acr_datetime_from_epoch(0, 1, &dt), ACR_OK);
  CHECK_STR(F(&dt), "1970-01-01T00:00:00.000000001Z");
  CHECK_INT(acr_datetime_from_epoch(0, 120000000, &dt), ACR_OK);
  CHECK_INT(dt.digits, 3);
  /* nsec outside 0..999999999 is carried into sec */
  CHECK_INT(acr_datetime_from_epoch(0, -1, &dt), ACR_OK);
  CHECK_INT(dt.sec, -1);
  CHECK_INT(dt.nsec, 999999999);
  CHECK_STR(F(&dt), "1969-12-31T23:59:59.999999999Z");
  CHECK_INT(acr_datetime_from_epoch(10, 2000000000, &dt), ACR_OK);
  CHECK_INT(dt.sec, 12);
  CHECK_INT(dt.nsec, 0);
  CHECK_INT(acr_datetime_from_epoch(10, INT32_MIN, &dt), ACR_OK);
  CHECK_INT(dt.sec, 7);
  CHECK_INT(dt.nsec, 852516352);

  /* extremes */
  CHECK_INT(acr_datetime_from_epoch(-62167219200LL, 0, &dt), ACR_OK);
  CHECK_STR(F(&dt), "0000-01-01T00:00:00Z");
  CHECK_INT(acr_datetime_from_epoch(253402300799LL, 999999999, &dt), ACR_OK);
  CHECK_STR(F(&dt), "9999-12-31T23:59:59.999999999Z");
  CHECK_INT(P("0000-01-01T00:00:00Z").sec, -62167219200LL);
  CHECK_INT(P("9999-12-31T23:59:59Z").sec, 253402300799LL);
  CHECK_INT(acr_datetime_from_epoch(-62167219201LL, 0, &dt), ACR_ESCHEMA);
  CHECK_INT(acr_datetime_from_epoch(-62167219200LL, -1, &dt), ACR_ESCHEMA);
  CHECK_INT(acr_datetime_from_epoch(253402300800LL, 0, &dt), ACR_ESCHEMA);
  CHECK_INT(acr_datetime_from_epoch(253402300799LL, 1000000000, &dt),
            ACR_ESCHEMA);
  CHECK_INT(acr_datetime_from_epoch(INT64_MAX, INT32_MAX, &dt), ACR_ESCHEMA);
  CHECK_INT(acr_datetime_from_epoch(INT64_MIN, INT32_MIN, &dt), ACR_ESCHEMA);
}

static void test_from_number(void)
{
  acr_datetime dt;
  int i, bad = 0;
  double zero = 0.0;

  CHECK_INT(acr_datetime_from_number(0.0, &dt), ACR_OK);
  CHECK_STR(F(&dt), "1970-01-01T00:00:00Z");
  CHECK_INT(acr_datetime_from_number(-0.0, &dt), ACR_OK);
  CHECK_STR(F(&dt), "1970-01-01T00:00:00Z");
  CHECK_INT(acr_datetime_from_number(1.5, &dt), ACR_OK);
  CHECK_INT(dt.sec, 1);
  CHECK_INT(dt.nsec, 500000000);
  CHECK_STR(F(&dt), "1970-01-01T00:00:01.500Z");
  CHECK_INT(acr_datetime_from_number(-1.5, &dt), ACR_OK);
  CHECK_INT(dt.sec, -2);
  CHECK_INT(dt.nsec, 500000000);
  CHECK_STR(F(&dt), "1969-12-31T23:59:58.500Z");
  CHECK_INT(acr_datetime_from_number(-1.0, &dt), ACR_OK);
  CHECK_STR(F(&dt), "1969-12-31T23:59:59Z");
  CHECK_INT(acr_datetime_from_number(1567020052.0, &dt), ACR_OK);
  CHECK_STR(F(&dt), "2019-08-28T19:20:52Z");
  CHECK_INT(acr_datetime_from_number(1567020052.25, &dt), ACR_OK);
  CHECK_STR(F(&dt), "2019-08-28T19:20:52.250Z");
  /* a present-day double is only microsecond-precise: still the nearest */
  CHECK_INT(acr_datetime_from_number(1567020052.123, &dt), ACR_OK);
  CHECK_INT(dt.sec, 1567020052);
  CHECK(dt.nsec >= 122999800 && dt.nsec <= 123000200);
  CHECK_INT(acr_datetime_from_number(1e-9, &dt), ACR_OK);
  CHECK_INT(dt.sec, 0);
  CHECK_INT(dt.nsec, 1);
  CHECK_INT(dt.digits, 9);
  CHECK_INT(acr_datetime_from_number(-1e-9, &dt), ACR_OK);
  CHECK_INT(dt.sec, -1);
  CHECK_INT(dt.nsec, 999999999);
  CHECK_INT(acr_datetime_from_number(0.4e-9, &dt), ACR_OK);
  CHECK_INT(dt.nsec, 0);
  CHECK_INT(acr_datetime_from_number(0.6e-9, &dt), ACR_OK);
  CHECK_INT(dt.nsec, 1);
  /* rounds up into the next second */
  CHECK_INT(acr_datetime_from_number(0.9999999999, &dt), ACR_OK);
  CHECK_INT(dt.sec, 1);
  CHECK_INT(dt.nsec, 0);
  CHECK_INT(dt.digits, 0);
  CHECK_INT(acr_datetime_from_number(-0.00000000001, &dt), ACR_OK);
  CHECK_INT(dt.sec, 0);
  CHECK_INT(dt.nsec, 0);
  /* 1e-9 steps over a second, both sides of zero */
  for (i = -1000000; i <= 1000000; i += 7) {
    int64_t want_sec = i >= 0 ? 0 : -1;
    int32_t want_ns = i >= 0 ? i : 1000000000 + i;
    if (acr_datetime_from_number(i * 1e-9, &dt) != ACR_OK ||
        dt.sec != want_sec || dt.nsec != want_ns)
      bad++;
    if (acr_datetime_from_number(12345.0 + i * 1e-9, &dt) != ACR_OK ||
        dt.sec != 12345 + want_sec || dt.nsec != want_ns)
      bad++;
  }
  CHECK_INT(bad, 0);
  /* extremes and rejects */
  CHECK_INT(acr_datetime_from_number(-62167219200.0, &dt), ACR_OK);
  CHECK_STR(F(&dt), "0000-01-01T00:00:00Z");
  CHECK_INT(acr_datetime_from_number(253402300799.5, &dt), ACR_OK);
  CHECK_STR(F(&dt), "9999-12-31T23:59:59.500Z");
  CHECK_INT(acr_datetime_from_number(-62167219200.5, &dt), ACR_ESCHEMA);
  CHECK_INT(acr_datetime_from_number(253402300800.0, &dt), ACR_ESCHEMA);
  CHECK_INT(acr_datetime_from_number(1e300, &dt), ACR_ESCHEMA);
  CHECK_INT(acr_datetime_from_number(-1e300, &dt), ACR_ESCHEMA);
  CHECK_INT(acr_datetime_from_number(1.0 / zero, &dt), ACR_ESCHEMA);
  CHECK_INT(acr_datetime_from_number(-1.0 / zero, &dt), ACR_ESCHEMA);
  CHECK_INT(acr_datetime_from_number(zero / zero, &dt), ACR_ESCHEMA);
}

static void test_utc(void)
{
  acr_datetime dt, u;
  acr_error err;

  dt = P("2019-08-28T12:20:52.5-08:00");
  CHECK_INT(acr_datetime_utc(&dt, &u, NULL), ACR_OK);
  CHECK_STR(F(&u), "2019-08-28T20:20:52.5Z");
  CHECK_INT(u.sec, dt.sec);
  CHECK_INT(u.offset, 0);
  CHECK_INT(u.flags, ACR_DT_ZULU);
  CHECK_INT(u.digits, 1);

  dt = P("2019-08-28t00:20:52.000+01:00");
  CHECK_INT(acr_datetime_utc(&dt, &u, NULL), ACR_OK);
  CHECK_STR(F(&u), "2019-08-27T23:20:52.000Z");
  dt = P("2019-08-28T00:20:52z");
  CHECK_INT(acr_datetime_utc(&dt, &u, NULL), ACR_OK);
  CHECK_STR(F(&u), "2019-08-28T00:20:52Z");
  dt = P("2019-08-28T00:20:52-00:00");
  CHECK_INT(acr_datetime_utc(&dt, &u, NULL), ACR_OK);
  CHECK_STR(F(&u), "2019-08-28T00:20:52Z");

  /* the ends of the range in UTC are fine, a leap second at the very end
   * included */
  dt = P("0000-01-01T01:00:00+01:00");
  CHECK_INT(acr_datetime_utc(&dt, &u, NULL), ACR_OK);
  CHECK_STR(F(&u), "0000-01-01T00:00:00Z");
  dt = P("9999-12-31T22:59:59-01:00");
  CHECK_INT(acr_datetime_utc(&dt, &u, NULL), ACR_OK);
  CHECK_STR(F(&u), "9999-12-31T23:59:59Z");
  dt = P("9999-12-31T23:59:60Z");
  CHECK_INT(acr_datetime_utc(&dt, &u, NULL), ACR_OK);
  CHECK_STR(F(&u), "9999-12-31T23:59:60Z");

  /* years beyond 0000..9999 in UTC are refused with a message naming both
   * texts; out is left alone */
  memset(&err, 0, sizeof err);
  dt = P("9999-12-31T23:59:59-23:59");
  u = P("2000-01-01T00:00:00Z");
  CHECK_INT(acr_datetime_utc(&dt, &u, &err), ACR_ESCHEMA);
  CHECK_INT(err.kind, ACR_ESCHEMA);
  CHECK_STR(err.message, "date-time 9999-12-31T23:59:59-23:59 is "
                         "+10000-01-01T23:58:59Z in UTC, outside the years "
                         "0000..9999");
  CHECK_STR(F(&u), "2000-01-01T00:00:00Z");
  dt = P("0000-01-01T00:00:00+01:00");
  CHECK_INT(acr_datetime_utc(&dt, &u, &err), ACR_ESCHEMA);
  CHECK_STR(err.message, "date-time 0000-01-01T00:00:00+01:00 is "
                         "-0001-12-31T23:00:00Z in UTC, outside the years "
                         "0000..9999");
  dt = P("9999-12-31T23:59:60-00:01");
  CHECK_INT(acr_datetime_utc(&dt, &u, NULL), ACR_ESCHEMA);
}

static void test_check(void)
{
  acr_datetime dt;
  acr_error err;
  memset(&err, 0, sizeof err);
  dt = P("9999-12-31T23:59:60Z");
  CHECK_INT(acr_datetime_check(&dt, &err), ACR_OK);
  dt = P("0000-01-01T00:00:00+23:59");
  CHECK_INT(acr_datetime_check(&dt, &err), ACR_OK);
  /* a hand-made struct one second past the end */
  memset(&dt, 0, sizeof dt);
  dt.sec = INT64_C(253402300800);
  dt.flags = ACR_DT_ZULU;
  CHECK_INT(acr_datetime_check(&dt, &err), ACR_ESCHEMA);
  CHECK_STR(err.message, "date-time +10000-01-01T00:00:00Z is outside the "
                         "years 0000..9999");
  dt.flags |= ACR_DT_LEAP; /* the leap second 9999-12-31T23:59:60Z */
  CHECK_INT(acr_datetime_check(&dt, NULL), ACR_OK);
  dt.sec = INT64_C(-62167219201);
  dt.flags = ACR_DT_ZULU;
  CHECK_INT(acr_datetime_check(&dt, NULL), ACR_ESCHEMA);
  dt.offset = 1;
  CHECK_INT(acr_datetime_check(&dt, NULL), ACR_OK);
  dt.sec = INT64_MAX;
  CHECK_INT(acr_datetime_check(&dt, NULL), ACR_ESCHEMA);
  dt.sec = INT64_MIN;
  CHECK_INT(acr_datetime_check(&dt, NULL), ACR_ESCHEMA);
}

static void test_cmp_diff(void)
{
  acr_datetime a, b, c;

  a = P("2019-08-28T20:20:52+02:00");
  b = P("2019-08-28T19:20:52Z");
  CHECK(acr_datetime_cmp(&a, &b) < 0);
  CHECK(acr_datetime_cmp(&b, &a) > 0);
  CHECK(acr_datetime_diff(&a, &b) == 3600.0);
  CHECK(acr_datetime_diff(&b, &a) == -3600.0);

  a = P("2019-08-28T21:20:52+02:00");
  CHECK_INT(acr_datetime_cmp(&a, &b), 0);
  CHECK(acr_datetime_diff(&a, &b) == 0.0);
  c = P("2019-08-28T11:20:52-08:00");
  CHECK_INT(acr_datetime_cmp(&a, &c), 0);
  c = P("2019-08-28T19:20:52-00:00");
  CHECK_INT(acr_datetime_cmp(&b, &c), 0);

  a = P("2019-08-28T19:20:52.000000001Z");
  CHECK(acr_datetime_cmp(&b, &a) < 0);
  CHECK(acr_datetime_cmp(&a, &b) > 0);
  CHECK(acr_datetime_diff(&b, &a) == 1e-9);
  CHECK_INT(acr_datetime_cmp(&a, &a), 0);

  a = P("2019-08-28T19:20:52.9Z");
  b = P("2019-08-28T19:20:54.1Z");
  CHECK(acr_datetime_diff(&a, &b) > 1.1999999 &&
        acr_datetime_diff(&a, &b) < 1.2000001);

  a = P("0000-01-01T00:00:00Z");
  b = P("9999-12-31T23:59:59Z");
  CHECK(acr_datetime_cmp(&a, &b) < 0);
  CHECK(acr_datetime_diff(&a, &b) == 315569519999.0);

  /* same text, different digits: same instant */
  a = P("2019-08-28T19:20:52.5Z");
  b = P("2019-08-28T19:20:52.500000Z");
  CHECK_INT(acr_datetime_cmp(&a, &b), 0);
}

static void test_add(void)
{
  acr_datetime dt, r;

  dt = P("2019-12-31T23:59:59Z");
  CHECK_INT(acr_datetime_add(&dt, 1, 0, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "2020-01-01T00:00:00Z");

  dt = P("2019-12-31T23:59:59.5-08:00");
  CHECK_INT(acr_datetime_add(&dt, 0, 500000000, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "2020-01-01T00:00:00.0-08:00");
  CHECK_INT(acr_datetime_add(&dt, 86400 * 60, 0, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "2020-02-29T23:59:59.5-08:00");

  /* negative nsec borrows from seconds */
  dt = P("2020-01-01T00:00:00Z");
  CHECK_INT(acr_datetime_add(&dt, 0, -1, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "2019-12-31T23:59:59.999999999Z");
  CHECK_INT(acr_datetime_add(&dt, 1, -1000000, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "2020-01-01T00:00:00.999Z");
  CHECK_INT(acr_datetime_add(&dt, -1, INT32_MIN, &r, NULL), ACR_OK);
  CHECK_INT(r.sec, dt.sec - 4);
  CHECK_INT(r.nsec, 852516352);
  CHECK_INT(acr_datetime_add(&dt, -86400 * 365, 0, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "2019-01-01T00:00:00Z");

  /* digits grow only when needed, to 3, 6 or 9 */
  dt = P("2020-01-01T00:00:00.5Z");
  CHECK_INT(acr_datetime_add(&dt, 0, 200000000, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "2020-01-01T00:00:00.7Z");
  CHECK_INT(acr_datetime_add(&dt, 0, 250000000, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "2020-01-01T00:00:00.750Z");
  CHECK_INT(acr_datetime_add(&dt, 0, 1000, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "2020-01-01T00:00:00.500001Z");
  CHECK_INT(acr_datetime_add(&dt, 0, 1, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "2020-01-01T00:00:00.500000001Z");
  dt = P("2020-01-01T00:00:00.1234567Z");
  CHECK_INT(acr_datetime_add(&dt, 0, 10, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "2020-01-01T00:00:00.123456710Z");
  dt = P("2020-01-01T00:00:00Z");
  CHECK_INT(acr_datetime_add(&dt, 0, 1000000, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "2020-01-01T00:00:00.001Z");
  dt = P("2020-01-01T00:00:00.000000Z");
  CHECK_INT(acr_datetime_add(&dt, 3600, 0, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "2020-01-01T01:00:00.000000Z");

  /* flags kept */
  dt = P("2020-01-01t00:00:00z");
  CHECK_INT(acr_datetime_add(&dt, 60, 0, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "2020-01-01t00:01:00z");
  dt = P("2020-01-01T00:00:00-00:00");
  CHECK_INT(acr_datetime_add(&dt, 60, 0, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "2020-01-01T00:01:00-00:00");

  /* in place */
  dt = P("2020-01-01T00:00:00+05:30");
  CHECK_INT(acr_datetime_add(&dt, -1, 0, &dt, NULL), ACR_OK);
  CHECK_STR(F(&dt), "2019-12-31T23:59:59+05:30");

  /* range is the written (local) year 0000..9999 */
  dt = P("9999-12-31T23:59:59.999999999-05:00");
  r = dt;
  CHECK_INT(acr_datetime_add(&dt, 0, 1, &r, NULL), ACR_ESCHEMA);
  CHECK_INT(r.sec, dt.sec); /* out untouched */
  CHECK_INT(acr_datetime_add(&dt, 0, -1, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "9999-12-31T23:59:59.999999998-05:00");
  dt = P("0000-01-01T00:00:00+05:00");
  CHECK_INT(acr_datetime_add(&dt, 0, -1, &r, NULL), ACR_ESCHEMA);
  CHECK_INT(acr_datetime_add(&dt, -1, 0, &r, NULL), ACR_ESCHEMA);
  CHECK_INT(acr_datetime_add(&dt, 1, -1000000000, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "0000-01-01T00:00:00+05:00");
  CHECK_INT(acr_datetime_add(&dt, INT64_MAX, INT32_MAX, &r, NULL), ACR_ESCHEMA);
  CHECK_INT(acr_datetime_add(&dt, INT64_MIN, INT32_MIN, &r, NULL), ACR_ESCHEMA);
  CHECK_INT(acr_datetime_add(&dt, 315569519999LL, 0, &r, NULL), ACR_OK);
  CHECK_STR(F(&r), "9999-12-31T23:59:59+05:00");

  /* the message names the value and the shift */
  {
    acr_error err;
    memset(&err, 0, sizeof err);
    dt = P("9999-12-31T23:59:60Z");
    CHECK_INT(acr_datetime_add(&dt, 0, 0, &r, &err), ACR_OK);
    CHECK_STR(F(&r), "9999-12-31T23:59:60Z");
    CHECK_INT(acr_datetime_add(&dt, 0, 1, &r, &err), ACR_ESCHEMA);
    CHECK_INT(err.kind, ACR_ESCHEMA);
    CHECK_STR(err.message, "date-time 9999-12-31T23:59:60Z shifted by "
                           "0.000000001 seconds is outside the years "
                           "0000..9999");
    CHECK_INT(acr_datetime_add(&dt, -1, 0, &r, &err), ACR_OK);
    CHECK_STR(F(&r), "9999-12-31T23:59:59Z");
    dt = P("0000-01-01T00:00:00.25Z");
    CHECK_INT(acr_datetime_add(&dt, -1, 500000000, &r, &err), ACR_ESCHEMA);
    CHECK_STR(err.message, "date-time 0000-01-01T00:00:00.25Z shifted by "
                           "-0.5 seconds is outside the years 0000..9999");
    CHECK_INT(acr_datetime_add(&dt, INT64_MIN, 0, &r, &err), ACR_ESCHEMA);
    CHECK_STR(err.message, "date-time 0000-01-01T00:00:00.25Z shifted by "
                           "-9223372036854775808 seconds is outside the "
                           "years 0000..9999");
    CHECK_INT(acr_datetime_add(&dt, 86400, -1, &r, &err), ACR_OK);
    CHECK_STR(F(&r), "0000-01-02T00:00:00.249999999Z");
  }
}

static void test_civil(void)
{
  acr_datetime dt;
  acr_civil c;

  dt = P("2019-08-28T12:20:52.1234567-08:00");
  acr_datetime_civil(&dt, &c);
  CHECK_INT(c.year, 2019);
  CHECK_INT(c.month, 8);
  CHECK_INT(c.day, 28);
  CHECK_INT(c.hour, 12);
  CHECK_INT(c.min, 20);
  CHECK_INT(c.sec, 52);
  CHECK_INT(c.nsec, 123456700);
  CHECK_INT(c.offset, -480);

  dt = P("0000-01-01T00:00:00+23:59");
  acr_datetime_civil(&dt, &c);
  CHECK_INT(c.year, 0);
  CHECK_INT(c.month, 1);
  CHECK_INT(c.day, 1);
  CHECK_INT(c.hour, 0);
  CHECK_INT(c.offset, 1439);

  dt = P("9999-12-31T23:59:59.999999999-23:59");
  acr_datetime_civil(&dt, &c);
  CHECK_INT(c.year, 9999);
  CHECK_INT(c.month, 12);
  CHECK_INT(c.day, 31);
  CHECK_INT(c.hour, 23);
  CHECK_INT(c.min, 59);
  CHECK_INT(c.sec, 59);
  CHECK_INT(c.nsec, 999999999);
  CHECK_INT(c.offset, -1439);

  dt = P("2020-02-29T23:59:60.25+00:00");
  acr_datetime_civil(&dt, &c);
  CHECK_INT(c.month, 2);
  CHECK_INT(c.day, 29);
  CHECK_INT(c.sec, 60);
  CHECK_INT(c.nsec, 250000000);
}

/* Hand-made structs: any bits give bounded, sensible text, no UB. */
static void test_hand_made(void)
{
  static const int64_t secs[] = {INT64_MIN, INT64_MIN + 1, -62167219201LL,
                                 0, 253402300800LL, INT64_MAX - 1,
                                 INT64_MAX};
  static const int32_t nsecs[] = {INT32_MIN, -1, 0, 999999999, 1000000000,
                                  INT32_MAX};
  static const int16_t offs[] = {INT16_MIN, -1440, -1439, 0, 1, 1439, 1440,
                                 INT16_MAX};
  size_t i, j, k;
  int bad = 0;
  acr_datetime dt;
  acr_civil c;
  char buf[ACR_DATETIME_TEXT_MAX];

  for (i = 0; i < sizeof secs / sizeof secs[0]; i++)
    for (j = 0; j < sizeof nsecs / sizeof nsecs[0]; j++)
      for (k = 0; k < sizeof offs / sizeof offs[0]; k++) {
        acr_datetime r, u;
        size_t n;
        dt.sec = secs[i];
        dt.nsec = nsecs[j];
        dt.offset = offs[k];
        dt.digits = 255;
        dt.flags = 0xff;
        n = acr_datetime_format(&dt, buf);
        if (n != strlen(buf) || n >= ACR_DATETIME_TEXT_MAX) bad++;
        acr_datetime_civil(&dt, &c);
        if (c.month < 1 || c.month > 12 || c.day < 1 || c.day > 31 ||
            c.nsec < 0 || c.nsec > 999999999 || c.offset < -1439 ||
            c.offset > 1439)
          bad++;
        u = dt;
        if (acr_datetime_utc(&dt, &u, NULL) == ACR_OK &&
            acr_datetime_check(&u, NULL) != ACR_OK)
          bad++;
        n = acr_datetime_format(&u, buf);
        if (n >= ACR_DATETIME_TEXT_MAX) bad++;
        if (acr_datetime_add(&dt, secs[i], nsecs[j], &r, NULL) == ACR_OK &&
            acr_datetime_check(&r, NULL) != ACR_OK)
          bad++;
        (void)acr_datetime_cmp(&dt, &u);
        (void)acr_datetime_diff(&dt, &u);
      }
  CHECK_INT(bad, 0);

  /* too few digits for nsec: grown, never truncated */
  memset(&dt, 0, sizeof dt);
  dt.nsec = 5;
  dt.flags = ACR_DT_ZULU;
  CHECK_STR(F(&dt), "1970-01-01T00:00:00.000000005Z");
  /* a "Z" with a non-zero offset: the offset wins */
  dt.nsec = 0;
  dt.offset = 90;
  CHECK_STR(F(&dt), "1970-01-01T01:30:00+01:30");
  /* all-zero struct is the epoch at +00:00 */
  memset(&dt, 0, sizeof dt);
  CHECK_STR(F(&dt), "1970-01-01T00:00:00+00:00");
  /* unnormalized nsec */
  dt.nsec = -1;
  CHECK_STR(F(&dt), "1969-12-31T23:59:59.999999999+00:00");
  /* far instants clamped to +-99999 years */
  dt.sec = INT64_MAX;
  dt.nsec = 0;
  CHECK_STR(F(&dt), "+99999-12-31T23:59:59+00:00");
  dt.sec = INT64_MIN;
  CHECK_STR(F(&dt), "-99999-01-01T00:00:00+00:00");
  acr_datetime_civil(&dt, &c);
  CHECK_INT(c.year, -99999);
}

int main(void)
{
  test_examples();
  test_leap_second();
  test_roundtrip();
  test_range_errors();
  test_syntax_errors();
  test_every_day();
  test_from_epoch();
  test_from_number();
  test_utc();
  test_check();
  test_cmp_diff();
  test_add();
  test_civil();
  test_hand_made();
  return test_report("test_datetime");
}
