/*
 * acr.h -- public C API of acr-run: the Azure Container Registry run model.
 *
 * This is the only header a C host includes.  The core (everything in this
 * header except the "Lua glue" section at the end) does not depend on Lua:
 * a host can create, read, change, validate, decode, encode and free runs and
 * run lists with an allocator of its own.
 *
 * Over 900 lines on purpose: it is the one public header (as the house style
 * asks), and every declaration in it is documented where it is declared.
 *
 * Conventions
 *  - Every function that can fail returns an acr_status (ACR_OK == 0) or a
 *    pointer that is NULL on failure; when an acr_error * is given it is
 *    filled with the kind, the field path and (for text) line/column/offset.
 *  - All memory comes from the acr_allocator given at creation; it has the
 *    contract of lua_Alloc (realloc-like, nsize == 0 frees), so a Lua host
 *    can pass lua_getallocf() straight through.
 *  - There is no mutable global state.  Objects are not internally locked:
 *    one object may be used by one thread at a time; different objects
 *    (different lua_States) may be used by different threads at once.
 *  - Pointers returned by getters (strings, records, lists) stay valid until
 *    the next change to the same run (a change may compact its memory).
 */
#ifndef ACR_H
#define ACR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  define ACR_API __declspec(dllexport)
#elif defined(__GNUC__)
#  define ACR_API __attribute__((visibility("default")))
#else
#  define ACR_API
#endif

#define ACR_VERSION "0.2.0"

/* ------------------------------------------------------------------------ */
/* Allocator, status, errors                                                */
/* ------------------------------------------------------------------------ */

/* Same contract as lua_Alloc: realloc when nsize > 0, free when nsize == 0
 * (returning NULL).  osize is the old size of ptr (0 when ptr is NULL). */
typedef void *(*acr_allocf)(void *ud, void *ptr, size_t osize, size_t nsize);

typedef struct acr_allocator {
  acr_allocf f;
  void *ud;
} acr_allocator;

/* A malloc/realloc/free based allocator for hosts that have none. */
ACR_API void *acr_default_alloc(void *ud, void *ptr, size_t osize,
                                size_t nsize);

typedef enum acr_status {
  ACR_OK = 0,
  ACR_ESYNTAX,  /* malformed text (JSON, date-time, filter) */
  ACR_ESCHEMA,  /* well-formed but wrong for the model: type, enum, range */
  ACR_ELIMIT,   /* depth or size limit exceeded */
  ACR_EMEMORY,  /* the allocator returned NULL */
  ACR_EMISUSE,  /* bad arguments from the caller (read-only field, ...) */
  ACR_ESERVICE, /* the JSON is the service's error body, not data */
  ACR_EWRITE    /* a write callback reported failure (acr_json_encode_list_to) */
} acr_status;

#define ACR_PATH_MAX 256
#define ACR_MSG_MAX 512

/* Error record.  path is like "value[3].properties.status" ("" for the
 * document root); line/column are 1-based and offset 0-based, all 0 when the
 * error is not about text.  message is one line with the reason only
 * (errors of JSON text); acr_error_format composes the text to show. */
typedef struct acr_error {
  acr_status kind;
  char path[ACR_PATH_MAX];
  long line, column, offset;
  char message[ACR_MSG_MAX];
  /* ACR_ESERVICE (an ARM error body {"error": {"code", "message", "target",
   * "details", "additionalInfo"}}): message is error.message, code and
   * target its texts ("" when absent; cut to fit); details and
   * additional_info point to the JSON text of error.details and
   * error.additionalInfo inside the text given to acr_json_decode (valid
   * while that text is; NULL when absent).  Unused for other kinds. */
  char code[128];
  char target[ACR_PATH_MAX];
  const char *details, *additional_info;
  size_t details_len, additional_info_len;
} acr_error;

/* "syntax", "schema", "limit", "memory", "misuse", "service", "write"
 * ("ok" for ACR_OK). */
ACR_API const char *acr_status_name(acr_status s);
/* The display text of err, the one way errors are shown (the Lua message,
 * the command): "<path>: <message> at line L, column C", where the path
 * part is left out when err->path is empty and the position when
 * err->line is 0; for ACR_ESERVICE "<code>: <message>" (the service's).
 * Written into buf (size bytes, always NUL-terminated when size > 0, cut
 * if it does not fit); returns the full length, as snprintf does.
 * err->message itself holds the reason only. */
ACR_API size_t acr_error_format(const acr_error *err, char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Enums: one X-macro list each: X(C-name-suffix, "canonical spelling")     */
/* ------------------------------------------------------------------------ */

#define ACR_RUNSTATUS(X) \
  X(QUEUED, "Queued") X(STARTED, "Started") X(RUNNING, "Running") \
  X(SUCCEEDED, "Succeeded") X(FAILED, "Failed") X(CANCELED, "Canceled") \
  X(ERROR, "Error") X(TIMEOUT, "Timeout")
#define ACR_RUNTYPE(X) \
  X(QUICKBUILD, "QuickBuild") X(QUICKRUN, "QuickRun") \
  X(AUTOBUILD, "AutoBuild") X(AUTORUN, "AutoRun")
#define ACR_PROVISIONINGSTATE(X) \
  X(CREATING, "Creating") X(UPDATING, "Updating") X(DELETING, "Deleting") \
  X(SUCCEEDED, "Succeeded") X(FAILED, "Failed") X(CANCELED, "Canceled")
#define ACR_OS(X) X(WINDOWS, "Windows") X(LINUX, "Linux")
/* "386" is not a C identifier: it is ACR_ARCHITECTURE_I386. */
#define ACR_ARCHITECTURE(X) \
  X(AMD64, "amd64") X(X86, "x86") X(I386, "386") X(ARM, "arm") \
  X(ARM64, "arm64")
#define ACR_VARIANT(X) X(V6, "v6") X(V7, "v7") X(V8, "v8")
#define ACR_CREATEDBYTYPE(X) \
  X(USER, "User") X(APPLICATION, "Application") \
  X(MANAGEDIDENTITY, "ManagedIdentity") X(KEY, "Key")

#define ACR_ENUM_MEMBER_(prefix, id, s) prefix##id,
#define ACR_X_RUNSTATUS(id, s) ACR_RUNSTATUS_##id,
#define ACR_X_RUNTYPE(id, s) ACR_RUNTYPE_##id,
#define ACR_X_PROVISIONINGSTATE(id, s) ACR_PROVISIONINGSTATE_##id,
#define ACR_X_OS(id, s) ACR_OS_##id,
#define ACR_X_ARCHITECTURE(id, s) ACR_ARCHITECTURE_##id,
#define ACR_X_VARIANT(id, s) ACR_VARIANT_##id,
#define ACR_X_CREATEDBYTYPE(id, s) ACR_CREATEDBYTYPE_##id,
enum { ACR_RUNSTATUS(ACR_X_RUNSTATUS) ACR_RUNSTATUS_COUNT };
enum { ACR_RUNTYPE(ACR_X_RUNTYPE) ACR_RUNTYPE_COUNT };
enum { ACR_PROVISIONINGSTATE(ACR_X_PROVISIONINGSTATE) ACR_PROVISIONINGSTATE_COUNT };
enum { ACR_OS(ACR_X_OS) ACR_OS_COUNT };
enum { ACR_ARCHITECTURE(ACR_X_ARCHITECTURE) ACR_ARCHITECTURE_COUNT };
enum { ACR_VARIANT(ACR_X_VARIANT) ACR_VARIANT_COUNT };
enum { ACR_CREATEDBYTYPE(ACR_X_CREATEDBYTYPE) ACR_CREATEDBYTYPE_COUNT };

/* Value of an enum field whose text is outside the known set (kept as raw). */
#define ACR_ENUM_UNKNOWN (-1)

typedef struct acr_enum_def {
  const char *name;            /* "RunStatus" */
  int count;
  const char *const *values;   /* canonical spellings, spec order */
  const uint8_t *lengths;      /* strlen of each value */
} acr_enum_def;

ACR_API extern const acr_enum_def acr_enum_runstatus, acr_enum_runtype,
    acr_enum_provisioningstate, acr_enum_os, acr_enum_architecture,
    acr_enum_variant, acr_enum_createdbytype;

/* Index of s (case-insensitive) in def, or ACR_ENUM_UNKNOWN. */
ACR_API int acr_enum_lookup(const acr_enum_def *def, const char *s, size_t n);

/* ------------------------------------------------------------------------ */
/* Strings and lists as stored in a run                                     */
/* ------------------------------------------------------------------------ */

/* Length-counted, NUL-terminated string (may contain NUL bytes).  flags
 * is set once, by whatever makes the string (acr_run_str, the JSON
 * reader), from its bytes, and never changes: ACR_STR_PLAIN when JSON
 * writes it as it is (valid UTF-8 without '"', '\\' or control
 * characters), so the writer copies it whole instead of scanning it.
 * acr_run_str and acr_run_text set flags; code that changes the bytes of
 * a string in place must set flags to 0 (always safe: the writer then
 * checks the string as it writes it). */
typedef struct acr_str {
  uint32_t len;
  uint8_t flags; /* ACR_STR_* */
  char s[1];     /* really len + 1 bytes */
} acr_str;
#define ACR_STR_PLAIN 0x01u

/* A list of items: acr_str * for string lists, record pointers for record
 * lists; for the unknown-field list of a record the items alternate
 * name, json-text (both acr_str *), so n is twice the number of fields. */
typedef struct acr_list {
  uint32_t n, cap;
  void *items[1]; /* really cap items */
} acr_list;

/* ------------------------------------------------------------------------ */
/* Date-time (RFC 3339 section 5.6), exact                                  */
/* ------------------------------------------------------------------------ */

/* flags of acr_datetime: how the text was written, so it is given back
 * byte for byte. */
#define ACR_DT_ZULU      0x01u /* "Z" (or "z") instead of a numeric offset */
#define ACR_DT_LOWER_T   0x02u /* separator written "t" */
#define ACR_DT_LOWER_Z   0x04u /* "z" */
#define ACR_DT_NEG_ZERO  0x08u /* "-00:00" (offset unknown, RFC 3339 4.3) */
#define ACR_DT_LEAP      0x10u /* second written as 60 (leap second) */

/* An instant plus the way it was written.  sec is seconds since
 * 1970-01-01T00:00:00Z (UTC, leap second counted as the next second's :00),
 * nsec the fraction in nanoseconds, offset the minutes east of UTC the text
 * used, digits the number of fraction digits written (0..9). */
typedef struct acr_datetime {
  int64_t sec;
  int32_t nsec;
  int16_t offset;
  uint8_t digits;
  uint8_t flags;
} acr_datetime;

/* The broken-down local time as written (at the text's offset). */
typedef struct acr_civil {
  int year, month, day, hour, min, sec; /* sec is 60 for a leap second */
  int32_t nsec;
  int offset;
} acr_civil;

#define ACR_DATETIME_TEXT_MAX 40

/* Parse RFC 3339 date-time text.  On failure returns ACR_ESYNTAX (bad form)
 * or ACR_ESCHEMA (out of range: month 13, 31 April, 29 Feb 2019, hour 24,
 * offset beyond 23:59, more than 9 fraction digits) and, if err is not
 * NULL, fills err->message ("expected ... at character N") and
 * err->offset (0-based byte offset in s).  err->path is left alone. */
ACR_API acr_status acr_datetime_parse(const char *s, size_t n,
                                      acr_datetime *out, acr_error *err);
/* Write the text back exactly as parsed (or canonically for made-up
 * values) into buf (ACR_DATETIME_TEXT_MAX bytes); returns the length. */
ACR_API size_t acr_datetime_format(const acr_datetime *dt, char *buf);
/* From seconds + nanoseconds since the epoch, written in UTC with "Z" and
 * the fewest of 0, 3, 6 or 9 fraction digits that are exact.
 * ACR_ESCHEMA when outside years 0000..9999. */
ACR_API acr_status acr_datetime_from_epoch(int64_t sec, int32_t nsec,
                                           acr_datetime *out);
/* Same from a double (rounded to the nearest nanosecond). */
ACR_API acr_status acr_datetime_from_number(double secs, acr_datetime *out);
/* The same instant written with offset 0 and "Z", keeping the digits and
 * a leap second; the letter case becomes "T" and "Z".  ACR_ESCHEMA (with a
 * message naming both texts) if the UTC text leaves the years 0000..9999
 * ("9999-12-31T23:59:59-23:59" is 10000-01-01 in UTC); *out is then left
 * alone.  err may be NULL. */
ACR_API acr_status acr_datetime_utc(const acr_datetime *dt, acr_datetime *out,
                                    acr_error *err);
/* Shift by secs + nsec (nsec may be negative), keeping the offset and the
 * letter case; digits grow (to 3, 6 or 9) only if needed to stay exact.  A
 * zero shift gives the value back unchanged (a leap second included); any
 * other drops the leap second.  ACR_ESCHEMA (with a message naming the
 * value and the shift) if the result, as written at its offset, leaves the
 * years 0000..9999; *out is then left alone.  err may be NULL. */
ACR_API acr_status acr_datetime_add(const acr_datetime *dt, int64_t secs,
                                    int32_t nsec, acr_datetime *out,
                                    acr_error *err);
/* ACR_OK if dt (any bits: it is normalized first) is written with a year
 * in 0000..9999, so that its text is RFC 3339 and reads back; else
 * ACR_ESCHEMA with a message.  Every value made by the functions above
 * passes; a hand-made struct may not.  err may be NULL. */
ACR_API acr_status acr_datetime_check(const acr_datetime *dt, acr_error *err);
/* <0, 0, >0 comparing instants (offsets and text form ignored). */
ACR_API int acr_datetime_cmp(const acr_datetime *a, const acr_datetime *b);
/* b - a in seconds, as a double. */
ACR_API double acr_datetime_diff(const acr_datetime *a, const acr_datetime *b);
ACR_API void acr_datetime_civil(const acr_datetime *dt, acr_civil *out);

/* ------------------------------------------------------------------------ */
/* The schema: records and their fields, described by static tables         */
/* ------------------------------------------------------------------------ */

typedef enum acr_kind {
  ACR_K_STRING,      /* slot: acr_str *            */
  ACR_K_ENUM,        /* slot: acr_enumval          */
  ACR_K_DATETIME,    /* slot: acr_datetime         */
  ACR_K_BOOL,        /* slot: uint8_t (0/1)         */
  ACR_K_INT32,       /* slot: int32_t              */
  ACR_K_RECORD,      /* slot: pointer to record    */
  ACR_K_RECORD_LIST, /* slot: acr_list * of records */
  ACR_K_STRING_LIST  /* slot: acr_list * of acr_str */
} acr_kind;

#define ACR_F_READONLY 0x01u /* server-set: refused by acr_new-style input */
#define ACR_F_REQUIRED 0x02u /* PlatformProperties.os */
#define ACR_F_ENVELOPE 0x04u /* Run: ARM envelope field, not in properties */
/* A text that usually repeats from run to run (the constant type, a
 * registry, a repository, a task name): a decoded list stores each
 * distinct text of these fields once, in a pool its runs share (see
 * acr_run.pool).  On a record field (platform, agentConfiguration,
 * timerTrigger): each distinct record of it that holds only scalars and
 * such texts is stored once there too. */
#define ACR_F_SHARED 0x40u

struct acr_type;

typedef struct acr_field {
  const char *name;            /* exact JSON name */
  uint8_t namelen;
  uint8_t kind;                /* acr_kind */
  uint8_t flags;               /* ACR_F_* */
  uint8_t index;               /* position in its type, = presence bit */
  uint16_t offset;             /* offsetof the slot in the record struct */
  const acr_enum_def *enumdef; /* ACR_K_ENUM */
  const struct acr_type *sub;  /* ACR_K_RECORD, ACR_K_RECORD_LIST */
} acr_field;

typedef struct acr_type {
  const char *name;            /* "PlatformProperties" */
  uint16_t size;               /* sizeof the record struct */
  uint8_t nfields;
  const acr_field *fields;     /* in spec (= encode) order */
} acr_type;

ACR_API extern const acr_type acr_type_run, acr_type_systemdata,
    acr_type_image, acr_type_imageupdatetrigger, acr_type_sourcetrigger,
    acr_type_timertrigger, acr_type_platform, acr_type_agent;

/* Field of t named exactly name, or NULL. */
ACR_API const acr_field *acr_type_field(const acr_type *t, const char *name,
                                        size_t n);
/* Field of t whose name is closest to name (edit distance <= 3 or
 * case-insensitive match), for "did you mean" messages, or NULL. */
ACR_API const acr_field *acr_type_suggest(const acr_type *t,
                                          const char *name, size_t n);

/* An enum slot: code is an index into enumdef->values, or ACR_ENUM_UNKNOWN.
 * raw is the text as received when it is not the canonical spelling: the
 * whole value when code is ACR_ENUM_UNKNOWN, or a known value received in
 * another case ("linux" for Linux), which is written back as received
 * while reads, comparisons and filters use the code; NULL otherwise. */
typedef struct acr_enumval {
  int32_t code;
  acr_str *raw;
} acr_enumval;

/* Every record starts with this header. */
typedef struct acr_rechdr {
  uint32_t present;  /* bit i set <=> field with index i is set */
  acr_list *unknown; /* unknown fields: name, json, name, json, ...; or NULL */
} acr_rechdr;

/* The records, declared once.  Each record has one X-macro list of its
 * fields, in spec (= JSON encode) order:
 *     X(R, s, ID, name, KIND, flags, arg)
 * R and s are passed through from the use (the record's index prefix and
 * struct suffix); ID names the field's index constant ACR_<R>_<ID>; name is
 * its exact JSON name (and the struct member); KIND is the acr_kind suffix;
 * flags are ACR_F_*; arg is the enum (acr_enum_<arg>) of an ENUM field or
 * the record (struct acr_<arg>, acr_type_<arg>) of a RECORD or RECORD_LIST
 * field, "_" otherwise.  From these lists come the structs below, the
 * index enums (= presence bits) and the acr_type tables (acr_schema.c). */

#define ACR_IMAGE_FIELDS(X, R, s) /* ImageDescriptor */ \
  X(R, s, REGISTRY, registry, STRING, ACR_F_SHARED, _) \
  X(R, s, REPOSITORY, repository, STRING, ACR_F_SHARED, _) \
  X(R, s, TAG, tag, STRING, 0, _) \
  X(R, s, DIGEST, digest, STRING, 0, _)
#define ACR_IMAGEUPDATETRIGGER_FIELDS(X, R, s) \
  X(R, s, ID, id, STRING, 0, _) \
  X(R, s, TIMESTAMP, timestamp, DATETIME, 0, _) \
  X(R, s, IMAGES, images, RECORD_LIST, 0, image)
#define ACR_SOURCETRIGGER_FIELDS(X, R, s) /* SourceTriggerDescriptor */ \
  X(R, s, ID, id, STRING, 0, _) \
  X(R, s, EVENTTYPE, eventType, STRING, ACR_F_SHARED, _) \
  X(R, s, COMMITID, commitId, STRING, 0, _) \
  X(R, s, PULLREQUESTID, pullRequestId, STRING, 0, _) \
  X(R, s, REPOSITORYURL, repositoryUrl, STRING, ACR_F_SHARED, _) \
  X(R, s, BRANCHNAME, branchName, STRING, ACR_F_SHARED, _) \
  X(R, s, PROVIDERTYPE, providerType, STRING, ACR_F_SHARED, _)
#define ACR_TIMERTRIGGER_FIELDS(X, R, s) /* TimerTriggerDescriptor */ \
  X(R, s, TIMERTRIGGERNAME, timerTriggerName, STRING, ACR_F_SHARED, _) \
  X(R, s, SCHEDULEOCCURRENCE, scheduleOccurrence, STRING, ACR_F_SHARED, _)
#define ACR_PLATFORM_FIELDS(X, R, s) /* PlatformProperties */ \
  X(R, s, OS, os, ENUM, ACR_F_REQUIRED, os) \
  X(R, s, ARCHITECTURE, architecture, ENUM, 0, architecture) \
  X(R, s, VARIANT, variant, ENUM, 0, variant)
#define ACR_AGENT_FIELDS(X, R, s) /* AgentProperties */ \
  X(R, s, CPU, cpu, INT32, 0, _)
#define ACR_SYSTEMDATA_FIELDS(X, R, s) \
  X(R, s, CREATEDBY, createdBy, STRING, ACR_F_READONLY | ACR_F_SHARED, _) \
  X(R, s, CREATEDBYTYPE, createdByType, ENUM, ACR_F_READONLY, createdbytype) \
  X(R, s, CREATEDAT, createdAt, DATETIME, ACR_F_READONLY, _) \
  X(R, s, LASTMODIFIEDBY, lastModifiedBy, STRING, \
    ACR_F_READONLY | ACR_F_SHARED, _) \
  X(R, s, LASTMODIFIEDBYTYPE, lastModifiedByType, ENUM, ACR_F_READONLY, \
    createdbytype) \
  X(R, s, LASTMODIFIEDAT, lastModifiedAt, DATETIME, ACR_F_READONLY, _)
/* The Run: the envelope fields (ACR_F_ENVELOPE) and RunProperties side by
 * side.  h.unknown holds unknown keys of "properties"; run->env_unknown
 * those beside it (envelope level, e.g. "resourceGroup" of the Azure CLI
 * shape). */
#define ACR_RUN_FIELDS(X, R, s) \
  X(R, s, ID, id, STRING, ACR_F_READONLY | ACR_F_ENVELOPE, _) \
  X(R, s, NAME, name, STRING, ACR_F_READONLY | ACR_F_ENVELOPE, _) \
  X(R, s, TYPE, type, STRING, ACR_F_READONLY | ACR_F_ENVELOPE | ACR_F_SHARED, \
    _) \
  X(R, s, SYSTEMDATA, systemData, RECORD, ACR_F_READONLY | ACR_F_ENVELOPE, \
    systemdata) \
  X(R, s, RUNID, runId, STRING, 0, _) \
  X(R, s, STATUS, status, ENUM, 0, runstatus) \
  X(R, s, LASTUPDATEDTIME, lastUpdatedTime, DATETIME, 0, _) \
  X(R, s, RUNTYPE, runType, ENUM, 0, runtype) \
  X(R, s, AGENTPOOLNAME, agentPoolName, STRING, ACR_F_SHARED, _) \
  X(R, s, CREATETIME, createTime, DATETIME, 0, _) \
  X(R, s, STARTTIME, startTime, DATETIME, 0, _) \
  X(R, s, FINISHTIME, finishTime, DATETIME, 0, _) \
  X(R, s, OUTPUTIMAGES, outputImages, RECORD_LIST, 0, image) \
  X(R, s, TASK, task, STRING, ACR_F_SHARED, _) \
  X(R, s, IMAGEUPDATETRIGGER, imageUpdateTrigger, RECORD, 0, \
    imageupdatetrigger) \
  X(R, s, SOURCETRIGGER, sourceTrigger, RECORD, 0, sourcetrigger) \
  X(R, s, TIMERTRIGGER, timerTrigger, RECORD, ACR_F_SHARED, timertrigger) \
  X(R, s, PLATFORM, platform, RECORD, ACR_F_SHARED, platform) \
  X(R, s, AGENTCONFIGURATION, agentConfiguration, RECORD, ACR_F_SHARED, \
    agent) \
  X(R, s, SOURCEREGISTRYAUTH, sourceRegistryAuth, STRING, ACR_F_SHARED, _) \
  X(R, s, CUSTOMREGISTRIES, customRegistries, STRING_LIST, ACR_F_SHARED, _) \
  X(R, s, RUNERRORMESSAGE, runErrorMessage, STRING, ACR_F_READONLY, _) \
  X(R, s, UPDATETRIGGERTOKEN, updateTriggerToken, STRING, 0, _) \
  X(R, s, LOGARTIFACT, logArtifact, RECORD, ACR_F_READONLY, image) \
  X(R, s, PROVISIONINGSTATE, provisioningState, ENUM, 0, provisioningstate) \
  X(R, s, ISARCHIVEENABLED, isArchiveEnabled, BOOL, 0, _)

/* Every record: X(R, s, t, "SpecName", FIELDS): index prefix ACR_<R>_,
 * struct acr_<s>, table acr_type_<t>, its field list. */
#define ACR_RECORDS(X) \
  X(IMAGE, image, image, "ImageDescriptor", ACR_IMAGE_FIELDS) \
  X(IMAGEUPDATETRIGGER, imageupdatetrigger, imageupdatetrigger, \
    "ImageUpdateTrigger", ACR_IMAGEUPDATETRIGGER_FIELDS) \
  X(SOURCETRIGGER, sourcetrigger, sourcetrigger, "SourceTriggerDescriptor", \
    ACR_SOURCETRIGGER_FIELDS) \
  X(TIMERTRIGGER, timertrigger, timertrigger, "TimerTriggerDescriptor", \
    ACR_TIMERTRIGGER_FIELDS) \
  X(PLATFORM, platform, platform, "PlatformProperties", ACR_PLATFORM_FIELDS) \
  X(AGENT, agent, agent, "AgentProperties", ACR_AGENT_FIELDS) \
  X(SYSTEMDATA, systemdata, systemdata, "SystemData", ACR_SYSTEMDATA_FIELDS) \
  X(RUN, runrec, run, "Run", ACR_RUN_FIELDS)

/* The C type of a slot, by kind (acr_kind above says the same). */
#define ACR_CTYPE_STRING(a) acr_str *
#define ACR_CTYPE_ENUM(a) acr_enumval
#define ACR_CTYPE_DATETIME(a) acr_datetime
#define ACR_CTYPE_BOOL(a) uint8_t /* 0 or 1 */
#define ACR_CTYPE_INT32(a) int32_t
#define ACR_CTYPE_RECORD(a) struct acr_##a *
#define ACR_CTYPE_RECORD_LIST(a) acr_list * /* of struct acr_<a> * */
#define ACR_CTYPE_STRING_LIST(a) acr_list * /* of acr_str * */

#define ACR_X_MEMBER(R, s, ID, name, KIND, flags, arg) \
  ACR_CTYPE_##KIND(arg) name;
#define ACR_X_INDEX(R, s, ID, name, KIND, flags, arg) ACR_##R##_##ID,
/* typedef struct acr_image { acr_rechdr h; acr_str *registry; ... }
 * acr_image;  enum { ACR_IMAGE_REGISTRY, ..., ACR_IMAGE_NFIELDS }; */
#define ACR_X_RECORD(R, s, t, label, FIELDS)                         \
  typedef struct acr_##s {                                           \
    acr_rechdr h;                                                    \
    FIELDS(ACR_X_MEMBER, R, s)                                       \
  } acr_##s;                                                         \
  enum { FIELDS(ACR_X_INDEX, R, s) ACR_##R##_NFIELDS };
ACR_RECORDS(ACR_X_RECORD)

/* ------------------------------------------------------------------------ */
/* Runs                                                                     */
/* ------------------------------------------------------------------------ */

/* How a run was received, to write it back in the same shape. */
typedef enum acr_shape {
  ACR_SHAPE_BARE,     /* bare RunProperties */
  ACR_SHAPE_ENVELOPE, /* {"id":..,"properties":{..}} */
  ACR_SHAPE_FLAT      /* Azure CLI: envelope and properties side by side */
} acr_shape;
/* A run read from a task run (Microsoft.ContainerRegistry/registries/
 * taskRuns) also keeps the task run around its runResult in taskrun: per
 * level, outermost first, two acr_str: the task run's minified JSON text
 * before the runResult value and after it (so name, location, identity,
 * provisioningState, runRequest, forceUpdateTag... come back as they
 * were); NULL for other runs.  shape is then the runResult's own shape. */

/* A run: reference counted; all its strings, records and lists live in an
 * arena that belongs to it. */
typedef struct acr_run acr_run;

struct acr_arena_chunk;
struct acr_epoch;
/* A string pool: the texts of ACR_F_SHARED fields (and enum texts kept
 * raw) of one decoded list, stored once and shared by its runs; immutable
 * once the decode returns, freed with the last run that points into it. */
typedef struct acr_strpool acr_strpool;
struct acr_run {
  acr_runrec rec;                /* read freely; change through the API */
  acr_list *env_unknown;         /* unknown envelope-level fields */
  acr_list *taskrun;             /* the task run around it, or NULL */
  struct acr_arena_chunk *chunks;
  struct acr_epoch *epoch;       /* change counter shared with other runs,
                                    set by list queries; NULL until then */
  acr_strpool *pool;             /* strings (and records of ACR_F_SHARED
                                    record fields) shared with the runs
                                    decoded with it (one reference), or
                                    NULL: slots may point there as well as
                                    into the arena; setters write to the
                                    arena (a pooled record is copied there
                                    first) */
  uint32_t arena_bytes;          /* bytes of the arena (at most 4 GB) */
  uint32_t arena_base;           /* arena_bytes after the last compaction;
                                    while the reader builds the run, the
                                    bytes of its inline arena in use */
  uint32_t inline_bytes;         /* a decoded run's arena, in the header's
                                    own block (full), or 0 */
  int refcount;
  unsigned pins;                 /* acr_run_pin count: no compaction while > 0 */
  uint8_t shape;                 /* acr_shape */
  uint8_t has_properties;        /* "properties" was present (maybe {}) */
  uint8_t home;                  /* how the header is allocated, and where
                                    its allocator is: a copy after the
                                    header, or its pool's (internal) */
};

/* New empty run with refcount 1, or NULL when out of memory. */
ACR_API acr_run *acr_run_new(const acr_allocator *a);
ACR_API void acr_run_retain(acr_run *r);
/* Drops one reference; frees the run when none is left. NULL is ignored. */
ACR_API void acr_run_release(acr_run *r);
/* Deep, independent copy with refcount 1, or NULL when out of memory. */
ACR_API acr_run *acr_run_clone(const acr_run *r, const acr_allocator *a);
/* Deep equality of the model (fields, unknown fields; not the shape, nor
 * the task run a run was read from: a run compares as the Run it is). */
ACR_API int acr_run_equal(const acr_run *a, const acr_run *b);
/* Rewrites the run's memory into one exact-size block; pointers obtained
 * before are invalid afterwards.  ACR_EMEMORY leaves the run unchanged. */
ACR_API acr_status acr_run_compact(acr_run *r);
/* Compacts when changes have abandoned much of the arena (more than twice
 * the size after the last compaction, and over 4 KB); call it after a
 * complete change, never while holding pointers into the run.  Out of
 * memory is ignored (the run stays valid, just larger). */
ACR_API void acr_run_gc(acr_run *r);
/* A pinned run is never compacted by acr_run_gc, so pointers into it stay
 * valid while code that may change it runs (a host calling back into a
 * script mid-walk).  Pins nest; each acr_run_pin needs one acr_run_unpin.
 * Changes to a pinned run only add to its arena; the next acr_run_gc after
 * the last unpin reclaims what they abandoned. */
ACR_API void acr_run_pin(acr_run *r);
ACR_API void acr_run_unpin(acr_run *r);
/* Bytes held by the run (header and arena, and its share of its pool),
 * for memory accounting. */
ACR_API size_t acr_run_memsize(const acr_run *r);

/* Arena allocation (8-byte aligned) and string copy; NULL when out of
 * memory (a run's arena holds at most 4 GB).  Memory lives as long as the
 * run. */
ACR_API void *acr_run_alloc(acr_run *r, size_t n);
ACR_API acr_str *acr_run_str(acr_run *r, const char *s, size_t n);
/* Every string of the model is valid UTF-8 (RFC 3629: shortest forms, no
 * encoded surrogates, nothing above U+10FFFF), so that what is accepted
 * can be written as JSON and read back.  acr_utf8_check returns the length
 * of the longest valid prefix of s: n when s is valid, else the 0-based
 * offset of the first bad byte. */
ACR_API size_t acr_utf8_check(const char *s, size_t n);
/* acr_run_str after checking s with acr_utf8_check: for strings that come
 * from outside (a string-list item, say).  NULL on failure with err (if
 * given) filled: ACR_ESCHEMA "invalid UTF-8 at byte N", path "", or
 * ACR_EMEMORY. */
ACR_API acr_str *acr_run_text(acr_run *r, const char *s, size_t n,
                              acr_error *err);

/* ---- generic field access (rec is &run->rec or a nested record) -------- */

#define ACR_SLOT(rec, f) ((void *)((char *)(rec) + (f)->offset))
ACR_API int acr_rec_has(const void *rec, const acr_field *f);
/* Clears the field (frees nothing: arena memory is reclaimed by
 * compaction).  ACR_OK, or ACR_EMEMORY when rec is a record the run
 * shares with others (see acr_run.pool) and its own copy could not be
 * made; the run is then unchanged. */
ACR_API acr_status acr_rec_clear(acr_run *r, void *rec, const acr_field *f);

/* Setters copy their input into the run.  They check the kind of f
 * (ACR_EMISUSE if wrong) but not ACR_F_READONLY, which is a policy of the
 * caller.  Text must be valid UTF-8: otherwise ACR_ESCHEMA, err->path set
 * to f->name (the caller may prefix where rec sits) and the message
 * "invalid UTF-8 at byte N"; nothing is changed on any error.
 * acr_rec_set_enum: text matched case-insensitively and stored canonical;
 * unknown text is kept raw, or refused with ACR_ESCHEMA (message lists the
 * valid values) when strict.  acr_rec_set_datetime: ACR_ESCHEMA for a value
 * acr_datetime_check refuses (a hand-made year beyond 9999). */
ACR_API acr_status acr_rec_set_string(acr_run *r, void *rec,
                                      const acr_field *f, const char *s,
                                      size_t n, acr_error *err);
ACR_API acr_status acr_rec_set_enum(acr_run *r, void *rec, const acr_field *f,
                                    const char *s, size_t n, int strict,
                                    acr_error *err);
/* acr_rec_set_enum for text received from elsewhere (a server's JSON, a
 * table of one): a known value in another spelling keeps that spelling in
 * raw, so it is written back unchanged (issue 11: "os": "linux"). */
ACR_API acr_status acr_rec_set_enum_keep(acr_run *r, void *rec,
                                         const acr_field *f, const char *s,
                                         size_t n, int strict,
                                         acr_error *err);
ACR_API acr_status acr_rec_set_datetime(acr_run *r, void *rec,
                                        const acr_field *f,
                                        const acr_datetime *dt,
                                        acr_error *err);
ACR_API acr_status acr_rec_set_bool(acr_run *r, void *rec, const acr_field *f,
                                    int b, acr_error *err);
ACR_API acr_status acr_rec_set_int32(acr_run *r, void *rec,
                                     const acr_field *f, int32_t v,
                                     acr_error *err);
/* Creates a new empty record of f->sub (replacing any), returns it or NULL
 * (out of memory or wrong kind). Its presence bit is set. */
ACR_API void *acr_rec_new_record(acr_run *r, void *rec, const acr_field *f);
/* A new empty record of type t in r's arena, not attached anywhere (to
 * build a replacement and attach it with acr_rec_attach once valid). */
ACR_API void *acr_record_new(acr_run *r, const acr_type *t);
/* Sets a record or list field to an object built in r's arena
 * (acr_record_new / acr_list_new); value NULL clears. */
ACR_API acr_status acr_rec_attach(acr_run *r, void *rec, const acr_field *f,
                                  void *value);

/* Lists in r's arena.  acr_list_push may move the list: it updates *lp. */
ACR_API acr_list *acr_list_new(acr_run *r, uint32_t cap);
ACR_API acr_status acr_list_push(acr_run *r, acr_list **lp, void *item);
/* Removes item i (0-based), shifting the rest down. */
ACR_API void acr_list_remove(acr_list *l, uint32_t i);
/* Appends name/json to rec's unknown list (replacing an existing field of
 * the same name in place, "last wins"); env selects run->env_unknown.
 * json must be one valid JSON text (not checked here, beyond UTF-8).
 * Errors (err may be NULL): ACR_ESCHEMA when name or json is not valid
 * UTF-8 (err->path is the name, or "" when the name itself is bad),
 * ACR_EMEMORY. */
ACR_API acr_status acr_rec_add_unknown(acr_run *r, void *rec, int env,
                                       const char *name, size_t nn,
                                       const char *json, size_t jn,
                                       acr_error *err);

/* Deep copy of record rec of type t into r's arena (rec may belong to
 * another run), or NULL when out of memory. */
ACR_API void *acr_record_copy(acr_run *r, const acr_type *t,
                              const void *rec);
ACR_API int acr_record_equal(const acr_type *t, const void *a, const void *b);

/* Problems of a run that is accepted but not valid for sending: unknown enum
 * values, platform without os, startTime after finishTime, finishTime
 * before createTime.  Calls cb once per problem with its field path and a
 * message; returns the number of problems. */
typedef void (*acr_problem_cb)(void *ud, const char *path,
                               const char *message);
ACR_API int acr_run_problems(const acr_run *r, acr_problem_cb cb, void *ud);

/* Terminal status: Succeeded, Failed, Canceled, Error, Timeout. */
ACR_API int acr_run_is_terminal(const acr_run *r);
/* finishTime - startTime in seconds into *secs; 0 if not both set. */
ACR_API int acr_run_duration(const acr_run *r, double *secs);

/* ------------------------------------------------------------------------ */
/* Run lists                                                                */
/* ------------------------------------------------------------------------ */

typedef struct acr_runlist {
  size_t n, cap;
  acr_run **runs;          /* each holds one reference */
  acr_run *meta;           /* owns nextLink and unknown top-level fields:
                              meta->rec.runId unused; see acr_runlist_* */
  acr_str *nextLink;       /* in meta's arena, or NULL */
  acr_list *unknown;       /* unknown RunListResult keys (in meta's arena) */
  acr_allocator alloc;
  struct acr_cols *cols;   /* query columns, built lazily; NULL until a
                              query needs them (acr_runlist_cols.c) */
} acr_runlist;

ACR_API acr_runlist *acr_runlist_new(const acr_allocator *a);
ACR_API void acr_runlist_free(acr_runlist *l);
/* Appends r, taking a new reference. */
ACR_API acr_status acr_runlist_push(acr_runlist *l, acr_run *r);
/* Replaces run i (0-based, i < l->n) by r, taking a new reference to r and
 * dropping the list's reference to the old run.  ACR_EMISUSE if i is out
 * of range.  Change l->runs only through these functions: queries keep
 * columns of the runs that a direct write would leave stale. */
ACR_API acr_status acr_runlist_set(acr_runlist *l, size_t i, acr_run *r);
/* s == NULL clears it.  ACR_ESCHEMA when s is not valid UTF-8
 * (acr_utf8_check gives the offset), ACR_EMEMORY, ACR_EMISUSE. */
ACR_API acr_status acr_runlist_set_nextlink(acr_runlist *l, const char *s,
                                            size_t n);
/* Bytes held by the list and its runs. */
ACR_API size_t acr_runlist_memsize(const acr_runlist *l);

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */
/* ------------------------------------------------------------------------ */

/* The one nesting limit of the library: JSON arrays and objects nest at
 * most this deep wherever JSON is read, compared, converted or written
 * (decode, validation, unknown fields, semantic equality, the Lua
 * conversion of kept values).  A run within it can always be encoded,
 * compared and decoded again. */
#define ACR_MAX_DEPTH 512

typedef struct acr_decode_opts {
  int strict;     /* unknown fields/enum values and duplicate keys: errors */
  int max_depth;  /* nesting limit: 0 (or above ACR_MAX_DEPTH) means
                     ACR_MAX_DEPTH; a smaller value lowers it */
} acr_decode_opts;

/* Decode JSON text (any accepted shape: bare properties, envelope, Azure CLI
 * flat, task run, RunListResult, array of runs).  On success exactly one of
 * *run_out / *list_out is set (the caller owns it) and ACR_OK returned; on
 * failure both are NULL and err is filled (kind, path, line, column,
 * offset, message).  opts may be NULL. */
ACR_API acr_status acr_json_decode(const char *text, size_t len,
                                   const acr_decode_opts *opts,
                                   const acr_allocator *a, acr_run **run_out,
                                   acr_runlist **list_out, acr_error *err);
/* Several JSON documents in one text, concatenated or one per line (as jq
 * reads them): decodes the one that starts at byte *pos (after whitespace)
 * like acr_json_decode, and on success sets *pos to the first byte after
 * it and its trailing whitespace, where the next one starts.  When only
 * whitespace is left, returns ACR_OK with both outputs NULL (the end).
 * On failure *pos is left alone.
 * Positions in err count from text, not from *pos.  Both functions drop a
 * UTF-8 byte-order mark at the very start of text. */
ACR_API acr_status acr_json_decode_next(const char *text, size_t len,
                                        size_t *pos,
                                        const acr_decode_opts *opts,
                                        const acr_allocator *a,
                                        acr_run **run_out,
                                        acr_runlist **list_out,
                                        acr_error *err);
/* What decoding learns from a document to read the next ones faster: the
 * order in which the members of each kind of record came (a service
 * writes them alike every time), so that a member's name is nearly always
 * found at the first comparison from the first run of a document on.
 * The memory is the caller's: acr_decode_memo_size() bytes, aligned as
 * malloc's, set up by acr_decode_memo_init (nothing to free; it holds no
 * pointer into any text).  One thread at a time may use a memo.
 * acr_json_decode_memo is acr_json_decode (pos NULL) or
 * acr_json_decode_next (pos given) with a memo (or none: NULL); what it
 * returns does not depend on the memo, only how fast it is found. */
typedef struct acr_decode_memo acr_decode_memo;
ACR_API size_t acr_decode_memo_size(void);
ACR_API acr_decode_memo *acr_decode_memo_init(void *mem);
ACR_API acr_status acr_json_decode_memo(acr_decode_memo *memo,
                                        const char *text, size_t len,
                                        size_t *pos,
                                        const acr_decode_opts *opts,
                                        const acr_allocator *a,
                                        acr_run **run_out,
                                        acr_runlist **list_out,
                                        acr_error *err);

/* Growing output buffer; memory from alloc.  Free with acr_buf_free. */
typedef struct acr_buf {
  char *p;
  size_t len, cap;
  acr_allocator alloc;
} acr_buf;
ACR_API void acr_buf_init(acr_buf *b, const acr_allocator *a);
ACR_API void acr_buf_free(acr_buf *b);

typedef enum acr_profile {
  ACR_PROFILE_FULL,    /* everything, read-only and unknown fields too */
  ACR_PROFILE_REQUEST, /* no read-only, no unknown fields */
  ACR_PROFILE_UPDATE   /* RunUpdateParameters: only isArchiveEnabled */
} acr_profile;

/* The shape a run is written in (profile FULL; REQUEST writes bare
 * properties, UPDATE its own body). */
typedef enum acr_encode_shape {
  ACR_ENCODE_AS_READ = 0, /* the shape the run was read in (a task run as
                             the task run; a new run: envelope when it has
                             envelope fields, else bare) */
  ACR_ENCODE_BARE,        /* bare RunProperties (envelope fields dropped) */
  ACR_ENCODE_ENVELOPE,    /* the ARM envelope */
  ACR_ENCODE_CLI,         /* the Azure CLI's: envelope and properties side
                             by side, envelope-level extras (resourceGroup) */
  ACR_ENCODE_TASKRUN      /* the whole task run it was read from
                             (ACR_EMISUSE for other runs) */
} acr_encode_shape;

typedef struct acr_encode_opts {
  acr_profile profile;
  const char *indent; /* NULL: compact; else pretty with this indent */
  acr_encode_shape shape; /* runs of a list too; 0: as read */
} acr_encode_opts;

/* Append the JSON of a run / list to out.  ACR_EMEMORY on failure (out
 * keeps what was written); ACR_ESCHEMA if a string of the run is not valid
 * UTF-8 (the writer never writes what the reader refuses; the model's
 * setters refuse such strings first).  opts may be NULL (compact, full). */
ACR_API acr_status acr_json_encode_run(const acr_run *r,
                                       const acr_encode_opts *opts,
                                       acr_buf *out);
ACR_API acr_status acr_json_encode_list(const acr_runlist *l,
                                        const acr_encode_opts *opts,
                                        acr_buf *out);
/* Streams the JSON of l (the same bytes acr_json_encode_list appends) to
 * write(ud, p, n) in pieces of about 64 KB, using scratch (emptied first,
 * kept by the caller for its memory) as the only buffer, so a document of
 * any size needs one piece of memory.  write returns 0 on success; any
 * other value stops the encoding with ACR_EWRITE (what was written stays
 * written).  ACR_EMEMORY when scratch cannot grow. */
typedef int (*acr_write_fn)(void *ud, const char *p, size_t n);
ACR_API acr_status acr_json_encode_list_to(const acr_runlist *l,
                                           const acr_encode_opts *opts,
                                           acr_buf *scratch,
                                           acr_write_fn write, void *ud);
/* The JSON writers every writer uses (the run writer here, the binding's
 * writer of Lua values), so that strings and numbers are written one way.
 * acr_json_write_string: s as a JSON string literal ('"', '\\' and control
 * characters escaped, everything else copied); ACR_ESCHEMA (nothing
 * written) if s is not valid UTF-8, ACR_EMEMORY. */
ACR_API acr_status acr_json_write_string(acr_buf *out, const char *s,
                                         size_t n);
/* v in decimal. */
ACR_API acr_status acr_json_write_int(acr_buf *out, int64_t v);
/* d as a JSON number text into buf (ACR_NUMBER_TEXT_MAX bytes, NUL-ended),
 * returning its length, or 0 for NaN and infinities (JSON has none):
 * integral values below 1e15 without a fraction, others in the fewest of
 * 15, 16 or 17 significant digits that read back as d; '.' as the decimal
 * point whatever the C locale (no localeconv).  acr_json_write_double
 * appends it (ACR_ESCHEMA for NaN and infinities). */
#define ACR_NUMBER_TEXT_MAX 40
ACR_API size_t acr_json_format_double(double d, char *buf);
ACR_API acr_status acr_json_write_double(acr_buf *out, double d);
/* The shape acr_json_encode_run writes r in by default (ACR_ENCODE_AS_READ
 * resolved): ACR_ENCODE_TASKRUN, _CLI, _ENVELOPE or _BARE.  For writers of
 * other forms of a run (the binding's to_table) to agree with it. */
ACR_API acr_encode_shape acr_run_written_shape(const acr_run *r);
/* The task run r was read from, without its run: the JSON of every level
 * with "runResult": null (r->taskrun; see acr_run).  ACR_EMISUSE when r
 * is not from a task run; ACR_EMEMORY. */
ACR_API acr_status acr_run_taskrun_json(const acr_run *r, acr_buf *out);
/* Check that text is exactly one JSON value (RFC 8259, UTF-8 validated);
 * on success append its minified form to out (if out != NULL). */
ACR_API acr_status acr_json_validate(const char *text, size_t len,
                                     int max_depth, acr_buf *out,
                                     acr_error *err);

/* ------------------------------------------------------------------------ */
/* Differences between runs                                                 */
/* ------------------------------------------------------------------------ */

/* What changed from run a to run b (the domain logic of run:diff).  Fields
 * in spec order, records field by field, lists item by item (paths like
 * "outputImages[2].tag"), then unknown fields (a's in order, changed or
 * gone, then b's new ones; compared as JSON values), then the envelope's
 * unknown fields.  A field set on one side only, a scalar that differs
 * (enums by value: "linux" and "Linux" are equal; date-times by their
 * text), a string-list item that differs and a record-list item present
 * on one side only give one entry each.
 * The entries are appended to out (a buffer the caller owns, initialised
 * with acr_buf_init) and read back with acr_diff_next; out then holds no
 * pointer into a or b.  No depth limit applies: records nest as the
 * schema does and unknown values are copied as stored.  Errors:
 * ACR_EMEMORY (out is left as it was), ACR_EMISUSE for a NULL argument. */
ACR_API acr_status acr_run_diff(const acr_run *a, const acr_run *b,
                                acr_buf *out, acr_error *err);

/* One change: path (NUL-terminated, may hold NULs of unknown field names:
 * use path_len), and the JSON text of the old and new values (compact, as
 * the encoder writes them), NULL when that side is absent. */
typedef struct acr_diff_entry {
  const char *path;
  size_t path_len;
  const char *old_json, *new_json;
  size_t old_len, new_len;
} acr_diff_entry;

/* Reads the entry at *pos (start with 0) of a buffer filled by
 * acr_run_diff into e and advances *pos; returns 0 after the last one.
 * e points into diff: valid until diff changes or is freed. */
ACR_API int acr_diff_next(const acr_buf *diff, size_t *pos,
                          acr_diff_entry *e);

/* ------------------------------------------------------------------------ */
/* Filters (OData $filter over RunFilter) and list queries                  */
/* ------------------------------------------------------------------------ */

typedef struct acr_filter acr_filter;

/* Compile expr.  On failure returns NULL with err->kind ACR_ESYNTAX (or
 * ACR_EMEMORY), err->column (1-based) and err->offset set and a message
 * that says what was expected there. */
ACR_API acr_filter *acr_filter_compile(const char *expr, size_t n,
                                       const acr_allocator *a,
                                       acr_error *err);
ACR_API void acr_filter_free(acr_filter *f);
ACR_API int acr_filter_match(const acr_filter *f, const acr_run *r);
/* Canonical expression text (re-compiles to the same filter). */
ACR_API acr_status acr_filter_tostring(const acr_filter *f, acr_buf *out);

/* New list of the runs of l that match f, in order (runs are shared). */
ACR_API acr_runlist *acr_runlist_filter(const acr_runlist *l,
                                        const acr_filter *f);
/* Deep equality of two lists: the same runs (acr_run_equal) in the same
 * order, the same nextLink and the same unknown keys with equal JSON values
 * (unknown keys are kept in name order, so they pair up).  NULL equals only
 * NULL. */
ACR_API int acr_runlist_equal(const acr_runlist *a, const acr_runlist *b);
/* Stable in-place sort by a scalar field of Run (date-times by instant,
 * absent last); ACR_EMISUSE if the field is not scalar. */
ACR_API acr_status acr_runlist_sort(acr_runlist *l, const acr_field *f,
                                    int descending);
/* The scalar field of Run that a sort or count key names (the JSON name,
 * a case-insensitive match, or the RunFilter name taskName), or NULL with
 * err filled: kind ACR_ESCHEMA, path the key, message why ("unknown field
 * 'x' (did you mean 'y'?)", or "field 'x' is not a scalar field (scalar
 * fields: ...)").  The one check of a key, for hosts and the binding. */
ACR_API const acr_field *acr_runlist_key(const char *name, size_t n,
                                         acr_error *err);
/* New list of the n most recently created runs, newest first. */
ACR_API acr_runlist *acr_runlist_top(const acr_runlist *l, size_t n);

/* ------------------------------------------------------------------------ */
/* Run requests: the scheduleRun body (RunRequest and its four kinds)       */
/* (csrc/acr_request.c; docs/spec/run-requests.md sections 1-4)              */
/* ------------------------------------------------------------------------ */

/* Enums of the request side, and the discriminator of the four kinds. */
#define ACR_SOURCEREGISTRYLOGINMODE(X) X(NONE, "None") X(DEFAULT, "Default")
/* One capital: "Vaultsecret", as the spec spells it. */
#define ACR_SECRETOBJECTTYPE(X) X(OPAQUE, "Opaque") X(VAULTSECRET, "Vaultsecret")
#define ACR_RUNREQUESTTYPE(X) \
  X(DOCKERBUILD, "DockerBuildRequest") X(FILETASKRUN, "FileTaskRunRequest") \
  X(TASKRUN, "TaskRunRequest") X(ENCODEDTASKRUN, "EncodedTaskRunRequest")
#define ACR_X_SOURCEREGISTRYLOGINMODE(id, s) ACR_SOURCEREGISTRYLOGINMODE_##id,
#define ACR_X_SECRETOBJECTTYPE(id, s) ACR_SECRETOBJECTTYPE_##id,
#define ACR_X_RUNREQUESTTYPE(id, s) ACR_RUNREQUESTTYPE_##id,
enum { ACR_SOURCEREGISTRYLOGINMODE(ACR_X_SOURCEREGISTRYLOGINMODE)
       ACR_SOURCEREGISTRYLOGINMODE_COUNT };
enum { ACR_SECRETOBJECTTYPE(ACR_X_SECRETOBJECTTYPE) ACR_SECRETOBJECTTYPE_COUNT };
enum { ACR_RUNREQUESTTYPE(ACR_X_RUNREQUESTTYPE) ACR_RUNREQUESTTYPE_COUNT };
ACR_API extern const acr_enum_def acr_enum_sourceregistryloginmode,
    acr_enum_secretobjecttype, acr_enum_runrequesttype;

/* Field flags of the request records (beside ACR_F_* above). */
#define ACR_F_SECRET 0x08u /* a secret value: never in messages or tostring */
#define ACR_F_MAPKEY 0x10u /* the key of a map entry (not written inside it) */
#define ACR_F_MAP    0x20u /* a record list written as a JSON object keyed by
                              its items' ACR_F_MAPKEY field */

#define ACR_ARGUMENT_FIELDS(X, R, s) /* Argument; SetValue has the same */ \
  X(R, s, NAME, name, STRING, ACR_F_REQUIRED, _) \
  X(R, s, VALUE, value, STRING, ACR_F_REQUIRED, _) \
  X(R, s, ISSECRET, isSecret, BOOL, 0, _)
#define ACR_SECRETOBJECT_FIELDS(X, R, s) \
  X(R, s, VALUE, value, STRING, ACR_F_SECRET, _) \
  X(R, s, TYPE, type, ENUM, 0, secretobjecttype)
/* CustomRegistryCredentials, with the login server it is the map value of. */
#define ACR_CUSTOMREGISTRY_FIELDS(X, R, s) \
  X(R, s, LOGINSERVER, loginServer, STRING, ACR_F_REQUIRED | ACR_F_MAPKEY, _) \
  X(R, s, USERNAME, userName, RECORD, 0, secretobject) \
  X(R, s, PASSWORD, password, RECORD, 0, secretobject) \
  X(R, s, IDENTITY, identity, STRING, 0, _)
#define ACR_SOURCEREGISTRY_FIELDS(X, R, s) /* SourceRegistryCredentials */ \
  X(R, s, LOGINMODE, loginMode, ENUM, 0, sourceregistryloginmode)
#define ACR_CREDENTIALS_FIELDS(X, R, s) \
  X(R, s, SOURCEREGISTRY, sourceRegistry, RECORD, 0, sourceregistry) \
  X(R, s, CUSTOMREGISTRIES, customRegistries, RECORD_LIST, ACR_F_MAP, \
    customregistry)
/* Every field of the four kinds; which a kind has, in which order, and
 * which it requires is decided by acr_request_fields(). */
#define ACR_RUNREQUEST_FIELDS(X, R, s) \
  X(R, s, TYPE, type, ENUM, ACR_F_REQUIRED, runrequesttype) \
  X(R, s, ISARCHIVEENABLED, isArchiveEnabled, BOOL, 0, _) \
  X(R, s, IMAGENAMES, imageNames, STRING_LIST, 0, _) \
  X(R, s, ISPUSHENABLED, isPushEnabled, BOOL, 0, _) \
  X(R, s, NOCACHE, noCache, BOOL, 0, _) \
  X(R, s, DOCKERFILEPATH, dockerFilePath, STRING, 0, _) \
  X(R, s, TARGET, target, STRING, 0, _) \
  X(R, s, ARGUMENTS, arguments, RECORD_LIST, 0, argument) \
  X(R, s, TASKFILEPATH, taskFilePath, STRING, 0, _) \
  X(R, s, VALUESFILEPATH, valuesFilePath, STRING, 0, _) \
  X(R, s, TASKNAME, taskName, STRING, 0, _) \
  X(R, s, ENCODEDTASKCONTENT, encodedTaskContent, STRING, 0, _) \
  X(R, s, ENCODEDVALUESCONTENT, encodedValuesContent, STRING, 0, _) \
  X(R, s, VALUES, values, RECORD_LIST, 0, setvalue) \
  X(R, s, TIMEOUT, timeout, INT32, 0, _) \
  X(R, s, PLATFORM, platform, RECORD, ACR_F_SHARED, platform) \
  X(R, s, AGENTCONFIGURATION, agentConfiguration, RECORD, ACR_F_SHARED, \
    agent) \
  X(R, s, SOURCELOCATION, sourceLocation, STRING, 0, _) \
  X(R, s, CREDENTIALS, credentials, RECORD, 0, credentials)

#define ACR_REQUEST_RECORDS(X) \
  X(ARGUMENT, argument, argument, "Argument", ACR_ARGUMENT_FIELDS) \
  X(SETVALUE, setvalue, setvalue, "SetValue", ACR_ARGUMENT_FIELDS) \
  X(SECRETOBJECT, secretobject, secretobject, "SecretObject", \
    ACR_SECRETOBJECT_FIELDS) \
  X(CUSTOMREGISTRY, customregistry, customregistry, \
    "CustomRegistryCredentials", ACR_CUSTOMREGISTRY_FIELDS) \
  X(SOURCEREGISTRY, sourceregistry, sourceregistry, \
    "SourceRegistryCredentials", ACR_SOURCEREGISTRY_FIELDS) \
  X(CREDENTIALS, credentials, credentials, "Credentials", \
    ACR_CREDENTIALS_FIELDS) \
  X(RUNREQUEST, runrequest, runrequest, "RunRequest", ACR_RUNREQUEST_FIELDS)
ACR_REQUEST_RECORDS(ACR_X_RECORD)

ACR_API extern const acr_type acr_type_argument, acr_type_setvalue,
    acr_type_secretobject, acr_type_customregistry, acr_type_sourceregistry,
    acr_type_credentials, acr_type_runrequest;

#define ACR_REQUEST_TIMEOUT_MIN 300
#define ACR_REQUEST_TIMEOUT_MAX 28800

/* A run request: one kind (ACR_RUNREQUESTTYPE_*), its fields in an arena
 * (a run used only for its memory: rec's strings, records and lists live
 * in arena).  Values are set with the acr_rec_set_* functions on
 * (q->arena, q->rec or a nested record) after acr_request_check_set, or
 * read freely.  Replaced values stay in the arena until the request is
 * freed. */
typedef struct acr_request {
  acr_run *arena;
  acr_runrequest *rec;
  int kind;
} acr_request;

/* New request of the given kind with only "type" set; NULL when out of
 * memory or kind is not one of ACR_RUNREQUESTTYPE_*. */
ACR_API acr_request *acr_request_new(const acr_allocator *a, int kind);
ACR_API void acr_request_free(acr_request *q); /* NULL is ignored */
/* The fields a kind has, in the spec's (= encode) order: field i (0-based,
 * i < acr_request_nfields) of acr_type_runrequest, or NULL past the end or
 * for a bad kind. */
ACR_API size_t acr_request_nfields(int kind);
ACR_API const acr_field *acr_request_field_at(int kind, size_t i);
/* Field of the request's kind named exactly name, or NULL. */
ACR_API const acr_field *acr_request_field(int kind, const char *name,
                                           size_t n);
/* Whether the kind requires field f of acr_type_runrequest. */
ACR_API int acr_request_required(int kind, const acr_field *f);
/* Checks what the field tables cannot say before a value is set: the
 * range of timeout (ACR_ESCHEMA "300..28800") for an int32 v of field f of
 * record type t.  err->path is left to the caller. */
ACR_API acr_status acr_request_check_int(const acr_type *t,
                                         const acr_field *f, int32_t v,
                                         acr_error *err);
/* Default of a boolean or integer field of type t when unset (isPushEnabled
 * true, noCache false, isArchiveEnabled false, isSecret false, timeout
 * 3600): 1 with *out set, or 0 when the field has no default. */
ACR_API int acr_request_default(const acr_type *t, const acr_field *f,
                                int32_t *out);
/* Whether the value at field f of record rec (of type t) is a secret: a
 * SecretObject's value, or the value of an Argument/SetValue with
 * isSecret true. */
ACR_API int acr_request_is_secret(const acr_type *t, const void *rec,
                                  const acr_field *f);
/* Every required field present (the kind's own, platform.os, argument
 * name and value, a map entry's key), at any depth: ACR_OK, or ACR_ESCHEMA
 * with err->path ("arguments[2].value") and "required field is missing". */
ACR_API acr_status acr_request_validate(const acr_request *q,
                                        acr_error *err);
/* The JSON body: fields in the kind's spec order, customRegistries as an
 * object keyed by login server.  opts: indent only (profile ignored). */
ACR_API acr_status acr_json_encode_request(const acr_request *q,
                                           const acr_encode_opts *opts,
                                           acr_buf *out);
/* Whether text is a JSON object whose top-level "type" is one of the four
 * kinds (a cheap look before acr_json_decode_request). */
ACR_API int acr_json_is_request(const char *text, size_t len);
/* Decode a RunRequest.  Text that is not JSON: ACR_ESYNTAX with line and
 * column.  Wrong for the model: ACR_ESCHEMA with the path (no position):
 * an unknown kind or field (kept nowhere: requests are what a client
 * sends), a wrong type, a bad enum value, timeout out of range, a missing
 * required field.  opts->max_depth is honoured; strict is implied. */
ACR_API acr_status acr_json_decode_request(const char *text, size_t len,
                                           const acr_decode_opts *opts,
                                           const acr_allocator *a,
                                           acr_request **out,
                                           acr_error *err);

/* ------------------------------------------------------------------------ */
/* Lua glue (csrc/lacr_*.c; needs Lua headers in the host)                  */
/* ------------------------------------------------------------------------ */

struct lua_State;
/* The module opener: require("acr.run"), or luaL_requiref(L, "acr.run",
 * luaopen_acr_run, 0) in a host that links the static library. */
ACR_API int luaopen_acr_run(struct lua_State *L);
/* Push a Run userdata for r, taking a new reference (the host keeps its
 * own).  The module must have been opened in L. */
ACR_API void acr_lua_push_run(struct lua_State *L, acr_run *r);
/* The run behind the Run userdata at idx, or NULL if it is not a Run.
 * The pointer is borrowed: acr_run_retain it to keep it beyond the value. */
ACR_API acr_run *acr_lua_to_run(struct lua_State *L, int idx);
/* Push a new RunList holding new references to the runs of l (and a copy of
 * its nextLink); l stays the host's. */
ACR_API void acr_lua_push_runlist(struct lua_State *L, const acr_runlist *l);
/* A new list (the caller frees it with acr_runlist_free) sharing the runs of
 * the RunList at idx, or NULL if it is not a RunList or memory ran out. */
ACR_API acr_runlist *acr_lua_to_runlist(struct lua_State *L, int idx);

#ifdef __cplusplus
}
#endif
#endif /* ACR_H */
