/* test_request.c -- the RunRequest core (acr_request.c) without Lua:
 * kinds and their fields, validation, encode in spec order, decode with
 * its error paths, the discriminator look, and every allocation failure
 * of a decode and an encode (nothing leaks, the error is "memory"). */
#include "test.h"

#include "acr.h"
#include "acr_internal.h"

static acr_allocator counting(test_counter *c) {
  acr_allocator a;
  memset(c, 0, sizeof *c);
  a.f = test_alloc;
  a.ud = c;
  return a;
}

/* Decode text, encode the result, compare with want (NULL: text itself). */
static void round_trip(const char *text, const char *want) {
  test_counter c;
  acr_allocator a = counting(&c);
  acr_request *q = NULL;
  acr_error err;
  acr_buf out;
  acr_status st = acr_json_decode_request(text, strlen(text), NULL, &a, &q,
                                          &err);
  test_context = text;
  CHECKF(st == ACR_OK, "decode: %s", err.message);
  if (st != ACR_OK) return;
  acr_buf_init(&out, &a);
  CHECK(acr_json_encode_request(q, NULL, &out) == ACR_OK);
  CHECK(acr_buf_addc(&out, 0) == ACR_OK);
  CHECK_STR(out.p, want ? want : text);
  acr_buf_free(&out);
  acr_request_free(q);
  CHECK_INT((long)c.live, 0L);
  test_context = "";
}

/* Decode must fail with kind and message (prefix). */
static void refused(const char *text, acr_status kind, const char *path,
                    const char *msg) {
  test_counter c;
  acr_allocator a = counting(&c);
  acr_request *q = NULL;
  acr_error err;
  acr_status st = acr_json_decode_request(text, strlen(text), NULL, &a, &q,
                                          &err);
  test_context = text;
  CHECK_INT((long)st, (long)kind);
  CHECK(q == NULL);
  CHECK_STR(err.path, path);
  CHECKF(strncmp(err.message, msg, strlen(msg)) == 0, "message: %s",
         err.message);
  CHECK_INT((long)c.live, 0L);
  test_context = "";
}

static const char docker[] =
    "{\"type\":\"DockerBuildRequest\",\"isArchiveEnabled\":true,"
    "\"imageNames\":[\"azurerest:testtag\"],\"isPushEnabled\":true,"
    "\"noCache\":true,\"dockerFilePath\":\"DockerFile\",\"target\":\"stage1\","
    "\"arguments\":[{\"name\":\"mytestargument\",\"value\":\"mytestvalue\","
    "\"isSecret\":false},{\"name\":\"mysecrettestargument\",\"value\":"
    "\"mysecrettestvalue\",\"isSecret\":true}],\"platform\":{\"os\":\"Linux\","
    "\"architecture\":\"amd64\"},\"agentConfiguration\":{\"cpu\":2},"
    "\"sourceLocation\":\"https://myaccount.blob.core.windows.net/sascontainer/"
    "source.zip?sv=2015-04-05&sig=Z%2FRHIX5Xcg0Mq2rqI3OlWTjEg2tYkboXr1P9ZUXDtkk%"
    "3D\",\"credentials\":{\"sourceRegistry\":{\"loginMode\":\"Default\"},"
    "\"customRegistries\":{\"myregistry.azurecr.io\":{\"userName\":{\"value\":"
    "\"reg1\",\"type\":\"Opaque\"},\"password\":{\"value\":\"***\",\"type\":"
    "\"Opaque\"}},\"myregistry2.azurecr.io\":{\"userName\":{\"value\":\"reg2\","
    "\"type\":\"Opaque\"},\"password\":{\"value\":\"***\",\"type\":\"Opaque\"},"
    "\"identity\":\"system\"}}}}";

static void test_round_trips(void) {
  round_trip(docker, NULL);
  round_trip("{\"type\":\"TaskRunRequest\",\"taskName\":\"myTask\",\"values\":"
             "[{\"name\":\"mytestargument\",\"value\":\"mytestvalue\","
             "\"isSecret\":false},{\"name\":\"mysecrettestargument\","
             "\"value\":\"mysecrettestvalue\",\"isSecret\":true}]}",
             NULL);
  round_trip("{\"type\":\"EncodedTaskRunRequest\",\"encodedTaskContent\":"
             "\"c3RlcHM=\",\"encodedValuesContent\":\"Cg==\",\"values\":[],"
             "\"timeout\":300,\"platform\":{\"os\":\"Linux\"},"
             "\"agentConfiguration\":{\"cpu\":2},\"credentials\":{}}",
             NULL);
  /* spec order whatever the input order; canonical enums; integral
   * spellings of numbers; null is absent; escapes read and re-written */
  round_trip("{\"platform\":{\"os\":\"linux\"},\"valuesFilePath\":null,"
             "\"timeout\":3.6e3,\"taskFilePath\":\"a\\u00e9\\\"b\","
             "\"type\":\"fileTaskRunRequest\"}",
             "{\"type\":\"FileTaskRunRequest\",\"taskFilePath\":\"a\xc3\xa9\\\"b\","
             "\"timeout\":3600,\"platform\":{\"os\":\"Linux\"}}");
}

static void test_refusals(void) {
  refused("[1]", ACR_ESCHEMA, "", "expected a RunRequest object");
  refused("{\"type\":\"Nope\"}", ACR_ESCHEMA, "type", "type: expected one of");
  refused("{\"type\":\"TaskRunRequest\"", ACR_ESYNTAX, "", "");
  refused("{\"type\":\"TaskRunRequest\"}", ACR_ESCHEMA, "taskName",
          "taskName: required field is missing");
  refused("{\"type\":\"TaskRunRequest\",\"taskName\":\"t\",\"timeout\":300}",
          ACR_ESCHEMA, "", "unknown field 'timeout' (TaskRunRequest has");
  refused("{\"type\":\"TaskRunRequest\",\"taskName\":7}", ACR_ESCHEMA,
          "taskName", "taskName: expected a string, got a number");
  refused("{\"type\":\"TaskRunRequest\",\"taskName\":\"t\",\"values\":"
          "[{\"name\":\"n\",\"value\":\"v\"},{\"name\":\"n\"}]}",
          ACR_ESCHEMA, "values[2].value",
          "values[2].value: required field is missing");
  refused("{\"type\":\"FileTaskRunRequest\",\"taskFilePath\":\"t\","
          "\"platform\":{\"os\":\"Linux\"},\"timeout\":28801}",
          ACR_ESCHEMA, "timeout", "timeout: 28801 is out of range 300..28800");
  refused("{\"type\":\"FileTaskRunRequest\",\"taskFilePath\":\"t\","
          "\"platform\":{\"os\":\"Linux\"},\"timeout\":300.5}",
          ACR_ESCHEMA, "timeout", "timeout: expected an integer");
  refused("{\"type\":\"FileTaskRunRequest\",\"taskFilePath\":\"t\","
          "\"platform\":{\"os\":\"Linux\"},\"agentConfiguration\":{\"cpu\":"
          "2147483648}}",
          ACR_ESCHEMA, "agentConfiguration.cpu", "agentConfiguration.cpu: out of");
  refused("{\"type\":\"FileTaskRunRequest\",\"taskFilePath\":\"t\","
          "\"platform\":{}}",
          ACR_ESCHEMA, "platform.os", "platform.os: required field is missing");
  refused("{\"type\":\"FileTaskRunRequest\",\"taskFilePath\":\"t\","
          "\"platform\":{\"os\":\"Linux\"},\"credentials\":{\"customRegistries\":"
          "{\"r.io\":{\"password\":{\"value\":\"hunter2\",\"type\":\"Plain\"}}}}}",
          ACR_ESCHEMA, "credentials.customRegistries[\"r.io\"].password.type",
          "credentials.customRegistries[\"r.io\"].password.type: invalid value "
          "\"Plain\" for SecretObjectType");
  refused("{\"type\":\"TaskRunRequest\",\"taskName\":\"t\",\"type\":"
          "\"DockerBuildRequest\"}",
          ACR_ESCHEMA, "type", "type: a second, different \"type\"");
}

static void test_discriminator(void) {
  static const char *yes[] = {
      "{\"type\":\"TaskRunRequest\"}",
      " {\n \"a\" : [1, {\"type\":\"x\"}], \"type\" : \"dockerbuildrequest\"}",
      /* escapes in names; request fields (some a Run also has) before */
      "{\"t\\u0079pe\":\"TaskRunRequest\"}",
      ("{\"isArchiveEnabled\":true,\"platform\":{\"os\":\"Linux\"},"
       "\"agentConfiguration\":{\"cpu\":2},\"type\":\"DockerBuildRequest\"}"),
  };
  static const char *no[] = {
      "", "[]", "{}", "{\"type\":\"Microsoft.ContainerRegistry/registries/runs\"}",
      "{\"value\":[{\"type\":\"TaskRunRequest\"}]}",
      "{\"properties\":{},\"type\":\"TaskRunRequest\"}",
      "{\"runId\":\"x\"}", "{\"type\"", "{\"a\":\"\\\"", "{\"a\":[[[",
      /* a name only a Run has ends the look: a bare run is not read on */
      "{\"runId\":\"x\",\"type\":\"TaskRunRequest\"}",
      "{\"status\":\"Queued\",\"type\":\"TaskRunRequest\"}",
  };
  size_t i;
  for (i = 0; i < sizeof yes / sizeof *yes; i++)
    CHECKF(acr_json_is_request(yes[i], strlen(yes[i])), "%s", yes[i]);
  for (i = 0; i < sizeof no / sizeof *no; i++)
    CHECKF(!acr_json_is_request(no[i], strlen(no[i])), "%s", no[i]);
}

static void test_model(void) {
  test_counter c;
  acr_allocator a = counting(&c);
  acr_request *q = acr_request_new(&a, ACR_RUNREQUESTTYPE_TASKRUN);
  acr_error err;
  const acr_field *f;
  int32_t d;
  CHECK(q != NULL);
  CHECK(acr_request_new(&a, 7) == NULL);
  CHECK_INT((long)acr_request_nfields(ACR_RUNREQUESTTYPE_TASKRUN), 4L);
  CHECK_STR(acr_request_field_at(ACR_RUNREQUESTTYPE_TASKRUN, 2)->name,
            "taskName");
  CHECK(acr_request_field_at(ACR_RUNREQUESTTYPE_TASKRUN, 4) == NULL);
  CHECK(acr_request_field(ACR_RUNREQUESTTYPE_TASKRUN, "timeout", 7) == NULL);
  f = acr_request_field(ACR_RUNREQUESTTYPE_DOCKERBUILD, "timeout", 7);
  CHECK(f != NULL);
  CHECK(acr_request_check_int(&acr_type_runrequest, f, 299, &err) ==
        ACR_ESCHEMA);
  CHECK(acr_request_check_int(&acr_type_runrequest, f, 28800, &err) == ACR_OK);
  CHECK(acr_request_default(&acr_type_runrequest, f, &d) && d == 3600);
  CHECK(acr_request_default(
            &acr_type_runrequest,
            acr_request_field(ACR_RUNREQUESTTYPE_DOCKERBUILD, "isPushEnabled", 13),
            &d) &&
        d == 1);
  CHECK(acr_request_validate(q, &err) == ACR_ESCHEMA);
  CHECK_STR(err.path, "taskName");
  f = acr_request_field(ACR_RUNREQUESTTYPE_TASKRUN, "taskName", 8);
  CHECK(acr_rec_set_string(q->arena, q->rec, f, "t", 1, &err) == ACR_OK);
  CHECK(acr_request_validate(q, &err) == ACR_OK);
  /* secrets */
  {
    acr_secretobject so;
    acr_argument arg;
    memset(&so, 0, sizeof so);
    memset(&arg, 0, sizeof arg);
    CHECK(acr_request_is_secret(&acr_type_secretobject, &so,
                                &acr_type_secretobject.fields[0]));
    CHECK(!acr_request_is_secret(&acr_type_argument, &arg,
                                 &acr_type_argument.fields[ACR_ARGUMENT_VALUE]));
    acr_rec_set_bool(q->arena, &arg, &acr_type_argument.fields[ACR_ARGUMENT_ISSECRET],
                     1, &err);
    CHECK(acr_request_is_secret(&acr_type_argument, &arg,
                                &acr_type_argument.fields[ACR_ARGUMENT_VALUE]));
  }
  acr_request_free(q);
  acr_request_free(NULL);
  CHECK_INT((long)c.live, 0L);
}

/* Every allocation of a decode + encode may fail: the result is a memory
 * error or success, never a leak or a crash. */
static void test_oom(void) {
  long n, total;
  test_counter c;
  acr_allocator a = counting(&c);
  acr_request *q = NULL;
  acr_error err;
  acr_buf out;
  CHECK(acr_json_decode_request(docker, strlen(docker), NULL, &a, &q, &err) ==
        ACR_OK);
  acr_buf_init(&out, &a);
  CHECK(acr_json_encode_request(q, NULL, &out) == ACR_OK);
  acr_buf_free(&out);
  acr_request_free(q);
  total = c.count;
  for (n = 1; n <= total; n++) {
    acr_status st;
    a = counting(&c);
    c.fail_at = n;
    q = NULL;
    st = acr_json_decode_request(docker, strlen(docker), NULL, &a, &q, &err);
    if (st == ACR_OK) {
      acr_buf_init(&out, &a);
      st = acr_json_encode_request(q, NULL, &out);
      acr_buf_free(&out);
      acr_request_free(q);
    } else {
      CHECK(q == NULL);
    }
    CHECKF(st == ACR_OK || st == ACR_EMEMORY, "failing allocation %ld: %d", n,
           (int)st);
    CHECKF(c.live == 0, "failing allocation %ld leaks %lu bytes", n,
           (unsigned long)c.live);
  }
}

int main(void) {
  test_round_trips();
  test_refusals();
  test_discriminator();
  test_model();
  test_oom();
  return test_report("test_request");
}
