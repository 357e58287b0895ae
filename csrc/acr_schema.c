/*
 * acr_schema.c -- the run model as static tables: one acr_type per record
 * type of run-model.md, its fields in spec (= JSON encode) order.
 * Generic code (JSON, Lua binding, copy, equality) walks these tables.
 */
#include "acr_internal.h"

#include <stddef.h>
#include <string.h>

static const acr_field acr_type_image_fields[] = {
    {"registry", 8, ACR_K_STRING, 0, 0, offsetof(acr_image, registry),
     NULL, NULL},
    {"repository", 10, ACR_K_STRING, 0, 1, offsetof(acr_image, repository),
     NULL, NULL},
    {"tag", 3, ACR_K_STRING, 0, 2, offsetof(acr_image, tag),
     NULL, NULL},
    {"digest", 6, ACR_K_STRING, 0, 3, offsetof(acr_image, digest),
     NULL, NULL},
};
const acr_type acr_type_image = {"ImageDescriptor", sizeof(acr_image), 4, acr_type_image_fields};

static const acr_field acr_type_imageupdatetrigger_fields[] = {
    {"id", 2, ACR_K_STRING, 0, 0, offsetof(acr_imageupdatetrigger, id),
     NULL, NULL},
    {"timestamp", 9, ACR_K_DATETIME, 0, 1, offsetof(acr_imageupdatetrigger, timestamp),
     NULL, NULL},
    {"images", 6, ACR_K_RECORD_LIST, 0, 2, offsetof(acr_imageupdatetrigger, images),
     NULL, &acr_type_image},
};
const acr_type acr_type_imageupdatetrigger = {"ImageUpdateTrigger", sizeof(acr_imageupdatetrigger), 3, acr_type_imageupdatetrigger_fields};

static const acr_field acr_type_sourcetrigger_fields[] = {
    {"id", 2, ACR_K_STRING, 0, 0, offsetof(acr_sourcetrigger, id),
     NULL, NULL},
    {"eventType", 9, ACR_K_STRING, 0, 1, offsetof(acr_sourcetrigger, eventType),
     NULL, NULL},
    {"commitId", 8, ACR_K_STRING, 0, 2, offsetof(acr_sourcetrigger, commitId),
     NULL, NULL},
    {"pullRequestId", 13, ACR_K_STRING, 0, 3, offsetof(acr_sourcetrigger, pullRequestId),
     NULL, NULL},
    {"repositoryUrl", 13, ACR_K_STRING, 0, 4, offsetof(acr_sourcetrigger, repositoryUrl),
     NULL, NULL},
    {"branchName", 10, ACR_K_STRING, 0, 5, offsetof(acr_sourcetrigger, branchName),
     NULL, NULL},
    {"providerType", 12, ACR_K_STRING, 0, 6, offsetof(acr_sourcetrigger, providerType),
     NULL, NULL},
};
const acr_type acr_type_sourcetrigger = {"SourceTriggerDescriptor", sizeof(acr_sourcetrigger), 7, acr_type_sourcetrigger_fields};

static const acr_field acr_type_timertrigger_fields[] = {
    {"timerTriggerName", 16, ACR_K_STRING, 0, 0, offsetof(acr_timertrigger, timerTriggerName),
     NULL, NULL},
    {"scheduleOccurrence", 18, ACR_K_STRING, 0, 1, offsetof(acr_timertrigger, scheduleOccurrence),
     NULL, NULL},
};
const acr_type acr_type_timertrigger = {"TimerTriggerDescriptor", sizeof(acr_timertrigger), 2, acr_type_timertrigger_fields};

static const acr_field acr_type_platform_fields[] = {
    {"os", 2, ACR_K_ENUM, ACR_F_REQUIRED, 0, offsetof(acr_platform, os),
     &acr_enum_os, NULL},
    {"architecture", 12, ACR_K_ENUM, 0, 1, offsetof(acr_platform, architecture),
     &acr_enum_architecture, NULL},
    {"variant", 7, ACR_K_ENUM, 0, 2, offsetof(acr_platform, variant),
     &acr_enum_variant, NULL},
};
const acr_type acr_type_platform = {"PlatformProperties", sizeof(acr_platform), 3, acr_type_platform_fields};

static const acr_field acr_type_agent_fields[] = {
    {"cpu", 3, ACR_K_INT32, 0, 0, offsetof(acr_agent, cpu),
     NULL, NULL},
};
const acr_type acr_type_agent = {"AgentProperties", sizeof(acr_agent), 1, acr_type_agent_fields};

static const acr_field acr_type_systemdata_fields[] = {
    {"createdBy", 9, ACR_K_STRING, ACR_F_READONLY, 0, offsetof(acr_systemdata, createdBy),
     NULL, NULL},
    {"createdByType", 13, ACR_K_ENUM, ACR_F_READONLY, 1, offsetof(acr_systemdata, createdByType),
     &acr_enum_createdbytype, NULL},
    {"createdAt", 9, ACR_K_DATETIME, ACR_F_READONLY, 2, offsetof(acr_systemdata, createdAt),
     NULL, NULL},
    {"lastModifiedBy", 14, ACR_K_STRING, ACR_F_READONLY, 3, offsetof(acr_systemdata, lastModifiedBy),
     NULL, NULL},
    {"lastModifiedByType", 18, ACR_K_ENUM, ACR_F_READONLY, 4, offsetof(acr_systemdata, lastModifiedByType),
     &acr_enum_createdbytype, NULL},
    {"lastModifiedAt", 14, ACR_K_DATETIME, ACR_F_READONLY, 5, offsetof(acr_systemdata, lastModifiedAt),
     NULL, NULL},
};
const acr_type acr_type_systemdata = {"SystemData", sizeof(acr_systemdata), 6, acr_type_systemdata_fields};

static const acr_field acr_type_run_fields[] = {
    {"id", 2, ACR_K_STRING, ACR_F_READONLY | ACR_F_ENVELOPE, 0, offsetof(acr_runrec, id),
     NULL, NULL},
    {"name", 4, ACR_K_STRING, ACR_F_READONLY | ACR_F_ENVELOPE, 1, offsetof(acr_runrec, name),
     NULL, NULL},
    {"type", 4, ACR_K_STRING, ACR_F_READONLY | ACR_F_ENVELOPE, 2, offsetof(acr_runrec, type),
     NULL, NULL},
    {"systemData", 10, ACR_K_RECORD, ACR_F_READONLY | ACR_F_ENVELOPE, 3, offsetof(acr_runrec, systemData),
     NULL, &acr_type_systemdata},
    {"runId", 5, ACR_K_STRING, 0, 4, offsetof(acr_runrec, runId),
     NULL, NULL},
    {"status", 6, ACR_K_ENUM, 0, 5, offsetof(acr_runrec, status),
     &acr_enum_runstatus, NULL},
    {"lastUpdatedTime", 15, ACR_K_DATETIME, 0, 6, offsetof(acr_runrec, lastUpdatedTime),
     NULL, NULL},
    {"runType", 7, ACR_K_ENUM, 0, 7, offsetof(acr_runrec, runType),
     &acr_enum_runtype, NULL},
    {"agentPoolName", 13, ACR_K_STRING, 0, 8, offsetof(acr_runrec, agentPoolName),
     NULL, NULL},
    {"createTime", 10, ACR_K_DATETIME, 0, 9, offsetof(acr_runrec, createTime),
     NULL, NULL},
    {"startTime", 9, ACR_K_DATETIME, 0, 10, offsetof(acr_runrec, startTime),
     NULL, NULL},
    {"finishTime", 10, ACR_K_DATETIME, 0, 11, offsetof(acr_runrec, finishTime),
     NULL, NULL},
    {"outputImages", 12, ACR_K_RECORD_LIST, 0, 12, offsetof(acr_runrec, outputImages),
     NULL, &acr_type_image},
    {"task", 4, ACR_K_STRING, 0, 13, offsetof(acr_runrec, task),
     NULL, NULL},
    {"imageUpdateTrigger", 18, ACR_K_RECORD, 0, 14, offsetof(acr_runrec, imageUpdateTrigger),
     NULL, &acr_type_imageupdatetrigger},
    {"sourceTrigger", 13, ACR_K_RECORD, 0, 15, offsetof(acr_runrec, sourceTrigger),
     NULL, &acr_type_sourcetrigger},
    {"timerTrigger", 12, ACR_K_RECORD, 0, 16, offsetof(acr_runrec, timerTrigger),
     NULL, &acr_type_timertrigger},
    {"platform", 8, ACR_K_RECORD, 0, 17, offsetof(acr_runrec, platform),
     NULL, &acr_type_platform},
    {"agentConfiguration", 18, ACR_K_RECORD, 0, 18, offsetof(acr_runrec, agentConfiguration),
     NULL, &acr_type_agent},
    {"sourceRegistryAuth", 18, ACR_K_STRING, 0, 19, offsetof(acr_runrec, sourceRegistryAuth),
     NULL, NULL},
    {"customRegistries", 16, ACR_K_STRING_LIST, 0, 20, offsetof(acr_runrec, customRegistries),
     NULL, NULL},
    {"runErrorMessage", 15, ACR_K_STRING, ACR_F_READONLY, 21, offsetof(acr_runrec, runErrorMessage),
     NULL, NULL},
    {"updateTriggerToken", 18, ACR_K_STRING, 0, 22, offsetof(acr_runrec, updateTriggerToken),
     NULL, NULL},
    {"logArtifact", 11, ACR_K_RECORD, ACR_F_READONLY, 23, offsetof(acr_runrec, logArtifact),
     NULL, &acr_type_image},
    {"provisioningState", 17, ACR_K_ENUM, 0, 24, offsetof(acr_runrec, provisioningState),
     &acr_enum_provisioningstate, NULL},
    {"isArchiveEnabled", 16, ACR_K_BOOL, 0, 25, offsetof(acr_runrec, isArchiveEnabled),
     NULL, NULL},
};
const acr_type acr_type_run = {"Run", sizeof(acr_runrec), 26, acr_type_run_fields};
const acr_field *acr_type_field(const acr_type *t, const char *name,
                                size_t n) {
  uint8_t i;
  for (i = 0; i < t->nfields; i++) {
    const acr_field *f = &t->fields[i];
    if (f->namelen == n && memcmp(f->name, name, n) == 0) return f;
  }
  return NULL;
}

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Optimal string alignment distance, case-insensitive, capped: names are
 * short (< 32) and a typo suggestion only needs small distances. */
static size_t edit_distance(const char *a, size_t an, const char *b,
                            size_t bn) {
  size_t d[33][33];
  size_t i, j;
  if (an > 32 || bn > 32) return 99;
  for (i = 0; i <= an; i++) d[i][0] = i;
  for (j = 0; j <= bn; j++) d[0][j] = j;
  for (i = 1; i <= an; i++)
    for (j = 1; j <= bn; j++) {
      size_t cost = lower((unsigned char)a[i - 1]) !=
                    lower((unsigned char)b[j - 1]);
      size_t best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < best) best = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && lower((unsigned char)a[i - 1]) ==
                                lower((unsigned char)b[j - 2]) &&
          lower((unsigned char)a[i - 2]) == lower((unsigned char)b[j - 1]) &&
          d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  return d[an][bn];
}

const acr_field *acr_type_suggest(const acr_type *t, const char *name,
                                  size_t n) {
  const acr_field *best = NULL;
  size_t bestd = (size_t)-1;
  uint8_t i;
  for (i = 0; i < t->nfields; i++) {
    const acr_field *f = &t->fields[i];
    size_t d = edit_distance(f->name, f->namelen, name, n);
    if (d < bestd) {
      bestd = d;
      best = f;
    }
  }
  /* A suggestion must be close relative to the word, not any field. */
  if (best == NULL || bestd > 3 || bestd * 2 > best->namelen) return NULL;
  return best;
}
