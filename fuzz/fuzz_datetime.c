/*
 * fuzz_datetime.c -- libFuzzer target for the RFC 3339 date-time parser.
 *
 * For each input: acr_datetime_parse must not crash; on failure the error
 * is ESYNTAX or ESCHEMA with a message and an offset within the text; on
 * success
 *  - acr_datetime_format gives back the input byte for byte,
 *  - parsing that gives the same struct,
 *  - the UTC form is the same instant and (when its year is 0000..9999)
 *    parses back to it; civil fields are in range; adding 0 changes no
 *    instant; adding and subtracting a second round-trips.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -Icsrc \
 *          fuzz/fuzz_datetime.c csrc/acr_*.c
 */
#include "fuzz_common.h"

static int fd_same(const acr_datetime *a, const acr_datetime *b) {
  return a->sec == b->sec && a->nsec == b->nsec && a->offset == b->offset &&
         a->digits == b->digits && a->flags == b->flags;
}

static void fuzz_datetime_one(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  acr_datetime dt, back, utc, moved, moved2;
  acr_civil cv;
  acr_error err;
  char buf[ACR_DATETIME_TEXT_MAX], ubuf[ACR_DATETIME_TEXT_MAX];
  size_t n, un;
  acr_status st;

  memset(&err, 0, sizeof err);
  memset(&dt, 0, sizeof dt);
  st = acr_datetime_parse(s, size, &dt, &err);
  if (st != ACR_OK) {
    if (st != ACR_ESYNTAX && st != ACR_ESCHEMA)
      FUZZ_FAIL("parse returned %s", acr_status_name(st));
    if (err.kind != st) FUZZ_FAIL("err.kind differs from the status");
    if (err.message[0] == '\0') FUZZ_FAIL("no message");
    if (err.offset < 0 || (size_t)err.offset > size)
      FUZZ_FAIL("offset %ld outside the text (%lu bytes)", err.offset,
                (unsigned long)size);
    return;
  }
  if (size >= ACR_DATETIME_TEXT_MAX)
    FUZZ_FAIL("accepted %lu bytes, more than ACR_DATETIME_TEXT_MAX",
              (unsigned long)size);

  n = acr_datetime_format(&dt, buf);
  if (n >= ACR_DATETIME_TEXT_MAX) FUZZ_FAIL("format overflow: %lu",
                                            (unsigned long)n);
  if (n != size || memcmp(buf, s, n) != 0)
    FUZZ_FAIL("format gave \"%.*s\" for \"%.*s\"", (int)n, buf, (int)size, s);
  if (acr_datetime_parse(buf, n, &back, &err) != ACR_OK)
    FUZZ_FAIL("its own text does not parse: %s", err.message);
  if (!fd_same(&dt, &back)) FUZZ_FAIL("parse(format(x)) differs from x");

  acr_datetime_civil(&dt, &cv);
  if (cv.month < 1 || cv.month > 12 || cv.day < 1 || cv.day > 31 ||
      cv.hour < 0 || cv.hour > 23 || cv.min < 0 || cv.min > 59 ||
      cv.sec < 0 || cv.sec > 60 || cv.nsec < 0 || cv.nsec > 999999999 ||
      cv.offset != dt.offset)
    FUZZ_FAIL("civil fields out of range: %d-%d-%d %d:%d:%d.%ld %+d",
              cv.year, cv.month, cv.day, cv.hour, cv.min, cv.sec,
              (long)cv.nsec, cv.offset);
  if (cv.year != (data[0] - '0') * 1000 + (data[1] - '0') * 100 +
                     (data[2] - '0') * 10 + (data[3] - '0'))
    FUZZ_FAIL("civil year %d is not the year written", cv.year);

  if (acr_datetime_check(&dt, &err) != ACR_OK)
    FUZZ_FAIL("a parsed value fails acr_datetime_check: %s", err.message);
  if (acr_datetime_utc(&dt, &utc, &err) == ACR_OK) {
    acr_civil uc;
    if (acr_datetime_cmp(&utc, &dt) != 0) FUZZ_FAIL("utc is another instant");
    if (acr_datetime_diff(&dt, &utc) != 0.0) FUZZ_FAIL("diff(dt, utc) != 0");
    un = acr_datetime_format(&utc, ubuf);
    if (un >= ACR_DATETIME_TEXT_MAX) FUZZ_FAIL("utc format overflow");
    acr_datetime_civil(&utc, &uc);
    if (uc.year < 0 || uc.year > 9999)
      FUZZ_FAIL("utc gave year %d", uc.year);
    if (acr_datetime_parse(ubuf, un, &back, &err) != ACR_OK)
      FUZZ_FAIL("utc text \"%.*s\" does not parse: %s", (int)un, ubuf,
                err.message);
    if (acr_datetime_cmp(&back, &dt) != 0)
      FUZZ_FAIL("utc text \"%.*s\" is another instant", (int)un, ubuf);
  } else if (err.message[0] == '\0') {
    FUZZ_FAIL("utc refused without a message");
  }

  if (acr_datetime_add(&dt, 0, 0, &moved, NULL) != ACR_OK ||
      !fd_same(&moved, &dt))
    FUZZ_FAIL("adding 0 changed the value");
  if (acr_datetime_add(&dt, 1, 1, &moved, NULL) == ACR_OK) {
    if (acr_datetime_cmp(&moved, &dt) <= 0) FUZZ_FAIL("adding 1s went back");
    if (acr_datetime_check(&moved, NULL) != ACR_OK)
      FUZZ_FAIL("add made a value outside the years 0000..9999");
    if (acr_datetime_add(&moved, -1, -1, &moved2, NULL) != ACR_OK)
      FUZZ_FAIL("cannot go back where it came from");
    if (acr_datetime_cmp(&moved2, &dt) != 0)
      FUZZ_FAIL("add then subtract is another instant");
    n = acr_datetime_format(&moved, buf);
    if (n >= ACR_DATETIME_TEXT_MAX) FUZZ_FAIL("moved format overflow");
  }
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_datetime_one(data, size);
  return 0;
}
#endif
