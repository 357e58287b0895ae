/* test_regress.c -- replays inputs through the fuzz targets' oracles.
 *
 * Every file in tests/regress/<target>/ (inputs that once broke something,
 * kept as regression tests) and in fuzz/seeds/<target>/ goes through the
 * oracle of fuzz/fuzz_<target>.c, for <target> json, datetime and filter.
 * A broken property is a failed check naming the file; a crash is a crash.
 *
 *   test_regress [DIR...]   (default: tests/regress fuzz/seeds, relative to
 *                            the repository root, where `make test` runs)
 */
#include "test.h"

#include <setjmp.h>

static jmp_buf oracle_jmp;
static char oracle_message[1024];

/* A broken property: leave the oracle with its message (what it held is
 * not freed: the input has failed anyway). */
#define FUZZ_FAIL(...)                                                      \
  do {                                                                      \
    snprintf(oracle_message, sizeof oracle_message, __VA_ARGS__);           \
    longjmp(oracle_jmp, 1);                                                 \
  } while (0)
#define FUZZ_NO_MAIN 1

#include "../fuzz/fuzz_json.c"
#include "../fuzz/fuzz_datetime.c"
#include "../fuzz/fuzz_filter.c"

#include <dirent.h>

typedef void (*oracle_fn)(const uint8_t *, size_t);

static const struct {
  const char *name;
  oracle_fn one;
} targets[] = {
    {"json", fuzz_json_one},
    {"datetime", fuzz_datetime_one},
    {"filter", fuzz_filter_one},
};

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 if the oracle holds for the input, 0 (message in oracle_message) if
 * it does not.  Nothing here changes between setjmp and longjmp. */
static int run_oracle(oracle_fn one, const uint8_t *data, size_t n) {
  oracle_message[0] = '\0';
  if (setjmp(oracle_jmp) != 0) return 0;
  one(data, n);
  return 1;
}

/* Replays every regular file of dir/name through one oracle. */
static void replay_dir(const char *dir, const char *name, oracle_fn one) {
  char path[4096];
  char **files = NULL;
  size_t nfiles = 0, cap = 0, i;
  DIR *d;
  struct dirent *e;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if ((d = opendir(path)) == NULL) return;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    if (nfiles == cap) {
      char **nf;
      cap = cap ? cap * 2 : 32;
      nf = (char **)realloc(files, cap * sizeof *files);
      if (nf == NULL) break;
      files = nf;
    }
    files[nfiles] = (char *)malloc(strlen(e->d_name) + 1);
    if (files[nfiles] == NULL) break;
    strcpy(files[nfiles++], e->d_name);
  }
  closedir(d);
  if (nfiles) qsort(files, nfiles, sizeof *files, by_name);
  for (i = 0; i < nfiles; i++) {
    char file[8192];
    uint8_t *data;
    size_t n = 0;
    snprintf(file, sizeof file, "%s/%s", path, files[i]);
    free(files[i]);
    data = (uint8_t *)test_read_file(file, &n);
    if (data == NULL) continue; /* a directory or unreadable: not an input */
    if (run_oracle(one, data, n)) {
      passed++;
    } else {
      failed++;
      fprintf(stderr, "%s: %s\n", file, oracle_message);
    }
    free(data);
  }
  free(files);
}

int main(int argc, char **argv) {
  static const char *const defaults[] = {"tests/regress", "fuzz/seeds"};
  const char *const *dirs = defaults;
  int ndirs = 2, i;
  size_t t;
  if (argc > 1) {
    dirs = (const char *const *)(argv + 1);
    ndirs = argc - 1;
  }
  for (i = 0; i < ndirs; i++)
    for (t = 0; t < sizeof targets / sizeof targets[0]; t++)
      replay_dir(dirs[i], targets[t].name, targets[t].one);
  return test_report("test_regress");
}
