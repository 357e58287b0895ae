-- acr.format: list:format("table" | "markdown" | "tsv") and
-- format.summary, checked against hand-computed text.

local acr = require("acr.run")
local format = require("acr.format")

-- Four runs covering the columns: a source-triggered finished run; a timer
-- run written at -08:00 whose start is before midnight locally and after
-- midnight in UTC and that lasts more than an hour; a running run (no
-- finishTime) triggered by an image update; a queued run with nothing but
-- a createTime.
local SMALL = [[
[
  {"runId": "ca1", "status": "Succeeded", "task": "build-web",
   "createTime": "2019-08-28T20:20:52.8021125+00:00",
   "startTime": "2019-08-28T20:20:53.1311701+00:00",
   "finishTime": "2019-08-28T20:22:11.9+00:00",
   "sourceTrigger": {"eventType": "Commit", "commitId": "abc"},
   "platform": {"os": "linux", "architecture": "amd64"}},
  {"runId": "ca2", "status": "Failed", "task": "nightly",
   "createTime": "2019-08-27T23:29:58-08:00",
   "startTime": "2019-08-27T23:30:00.5-08:00",
   "finishTime": "2019-08-28T01:02:03.4-08:00",
   "timerTrigger": {"timerTriggerName": "t1",
                    "scheduleOccurrence": "8/28/2019 7:30 AM"},
   "runErrorMessage": "failed during run, err: exit status 1",
   "platform": {"os": "Windows", "architecture": "amd64"}},
  {"runId": "ca3", "status": "Running",
   "createTime": "2019-08-28T20:59:59Z",
   "startTime": "2019-08-28T21:00:00Z",
   "imageUpdateTrigger": {"id": "i1", "images": []},
   "platform": {"os": "Linux", "architecture": "arm64"}},
  {"runId": "ca4", "status": "Queued",
   "createTime": "2019-08-28T21:05:00.1234567+00:00"}
]
]]

-- Plain-text containment with a readable failure.
local function contains(text, sub)
  if not text:find(sub, 1, true) then
    error(("expected to find\n%s\nin\n%s"):format(sub, text), 2)
  end
end

local decode = require("spec.helpers").decode

describe("acr.format", function()
  local list
  before_each(function()
    list = decode(SMALL)
  end)

  describe("duration", function()
    it("writes HH:MM:SS with at least two hour digits, truncating", function()
      assert.equal("00:00:00", format.duration(0))
      assert.equal("00:00:59", format.duration(59.999))
      assert.equal("00:01:18", format.duration(78.7688299))
      assert.equal("01:00:00", format.duration(3600))
      assert.equal("01:32:02", format.duration(5522.9))
      assert.equal("26:03:04", format.duration(93784))
      assert.equal("100:00:00", format.duration(360000))
      assert.equal("-00:00:05", format.duration(-5.5))
      assert.equal("", format.duration(nil))
    end)
  end)

  describe("utc", function()
    it("converts an offset time to UTC and drops the fraction", function()
      local dt = acr.datetime("2019-08-27T23:30:00.5-08:00")
      assert.equal("2019-08-28T07:30:00Z", format.utc(dt))
      assert.equal("2019-08-28T20:20:53Z",
                   format.utc(acr.datetime("2019-08-28T20:20:53.1311701+00:00")))
      assert.equal("2020-01-01T00:15:00Z",
                   format.utc(acr.datetime("2019-12-31T19:15:00-05:00")))
      assert.equal("2019-03-01T01:00:00Z",
                   format.utc(acr.datetime("2019-03-01T06:30:00+05:30")))
      assert.equal("", format.utc(nil))
    end)

    it("shows a time whose UTC is past 9999 as written", function()
      assert.equal("9999-12-31T23:59:59-23:59",
                   format.utc(acr.datetime("9999-12-31T23:59:59-23:59")))
      local l = decode('[{"runId": "r1", "startTime": "9999-12-31T23:59:59-23:59"}]')
      contains(l:format("table"), "  9999-12-31T23:59:59-23:59\n")
    end)
  end)

  describe("table", function()
    local expected =
      "RUN ID    TASK       PLATFORM    STATUS     TRIGGER       STARTED               DURATION\n" ..
      "--------  ---------  ----------  ---------  ------------  --------------------  ----------\n" ..
      "ca1       build-web  Linux       Succeeded  Commit        2019-08-28T20:20:53Z  00:01:18\n" ..
      "ca2       nightly    Windows     Failed     Timer         2019-08-28T07:30:00Z  01:32:02\n" ..
      "ca3                  Linux       Running    Image Update  2019-08-28T21:00:00Z\n" ..
      "ca4                              Queued     Manual\n"

    it("lays out the Azure CLI's columns", function()
      assert.equal(expected, list:format("table"))
    end)

    it("is the default kind, through the module and the method", function()
      assert.equal(expected, list:format())
      assert.equal(expected, format.format(list))
      assert.equal(expected, format.format(list, "table", {}))
    end)

    it("prints only the header for an empty list", function()
      assert.equal(
        "RUN ID    TASK    PLATFORM    STATUS    TRIGGER    STARTED    DURATION\n" ..
        "--------  ------  ----------  --------  ---------  ---------  ----------\n",
        acr.list():format("table"))
      assert.equal(acr.list():format("table"),
                   list:filter("status eq 'Timeout'"):format("table"))
    end)

    it("shows elapsed time of a running run when opts.now is given", function()
      local out = list:format("table", { now = "2019-08-28T22:15:30Z" })
      contains(out, "  2019-08-28T21:00:00Z  01:15:30\n")
      -- a finished run keeps its duration, a queued one stays empty
      contains(out, "  2019-08-28T20:20:53Z  00:01:18\n")
      contains(out, "\nca4                              Queued     Manual\n")
    end)

    it("keeps every row on one line and widens columns for long values",
       function()
      local l = decode([[
        [{"runId": "x1", "task": "two\nlines\tand tab", "status": "Succeeded"}]
      ]])
      assert.equal(
        "RUN ID    TASK               PLATFORM    STATUS     TRIGGER    STARTED    DURATION\n" ..
        "--------  -----------------  ----------  ---------  ---------  ---------  ----------\n" ..
        "x1        two lines and tab              Succeeded  Manual\n",
        l:format("table"))
    end)

    it("counts UTF-8 characters, not bytes, for widths", function()
      local l = decode('[{"runId": "r1", "task": "d\\u00e9ploiement-\\u00e9t\\u00e9"}]')
      local lines = {}
      for line in l:format("table"):gmatch("[^\n]+") do lines[#lines + 1] = line end
      assert.equal("r1        déploiement-été" .. (" "):rep(24) .. "Manual",
                   lines[3])
      assert.equal("--------  ---------------", lines[2]:sub(1, 25))
    end)

    it("counts East Asian wide characters as two cells, combining marks as none",
       function()
      assert.equal(6, format.width("\227\131\147\227\131\171\227\131\137")) -- ビルド
      assert.equal(4, format.width("\239\188\161\239\188\162")) -- fullwidth ＡＢ
      assert.equal(2, format.width("e\204\129e")) -- e + U+0301, e
      assert.equal(3, format.width("a\226\128\139bc")) -- U+200B zero width space
      assert.equal(2, format.width("\240\159\154\128")) -- U+1F680 rocket
      assert.equal(1, format.width("\195\169")) -- é, one code point
      assert.equal(5, format.width("plain"))
      -- so the columns after a wide or combined value stay aligned
      local l = decode('[{"runId": "r1", "task": "\\u30d3\\u30eb\\u30c9", "status": "Failed"},' ..
                       ' {"runId": "r2", "task": "cafe\\u0301", "status": "Succeeded"},' ..
                       ' {"runId": "r3", "task": "plain-ascii", "status": "Queued"}]')
      local lines = {}
      for line in l:format("table"):gmatch("[^\n]+") do lines[#lines + 1] = line end
      local status_col = lines[1]:find("STATUS", 1, true)
      for i, status in ipairs { "Failed", "Succeeded", "Queued" } do
        local line = lines[i + 2]
        local at = line:find(status, 1, true)
        assert.equal(status_col - 1, format.width(line:sub(1, at - 1)), line)
      end
    end)
  end)

  describe("markdown", function()
    it("writes a GitHub table", function()
      assert.equal(
        "| RUN ID | TASK      | PLATFORM | STATUS    | TRIGGER      | STARTED              | DURATION |\n" ..
        "| ------ | --------- | -------- | --------- | ------------ | -------------------- | -------- |\n" ..
        "| ca1    | build-web | Linux    | Succeeded | Commit       | 2019-08-28T20:20:53Z | 00:01:18 |\n" ..
        "| ca2    | nightly   | Windows  | Failed    | Timer        | 2019-08-28T07:30:00Z | 01:32:02 |\n" ..
        "| ca3    |           | Linux    | Running   | Image Update | 2019-08-28T21:00:00Z |          |\n" ..
        "| ca4    |           |          | Queued    | Manual       |                      |          |\n",
        list:format("markdown"))
    end)

    it("escapes pipes and backslashes and turns line breaks into <br>",
       function()
      local l = decode([[
        [{"runId": "a\\|b", "task": "x|y|z", "status": "Failed",
          "sourceTrigger": {"eventType": "line1\r\nline2\nline3"}}]
      ]])
      assert.equal(
        "| RUN ID | TASK    | PLATFORM | STATUS | TRIGGER                 | STARTED | DURATION |\n" ..
        "| ------ | ------- | -------- | ------ | ----------------------- | ------- | -------- |\n" ..
        "| a\\\\\\|b | x\\|y\\|z |          | Failed | line1<br>line2<br>line3 |         |          |\n",
        l:format("markdown"))
    end)

    it("prints the header and the separator for an empty list", function()
      assert.equal(
        "| RUN ID | TASK | PLATFORM | STATUS | TRIGGER | STARTED | DURATION |\n" ..
        "| ------ | ---- | -------- | ------ | ------- | ------- | -------- |\n",
        acr.list():format("markdown"))
    end)
  end)

  describe("tsv", function()
    it("writes one line per run, no header, seven fields", function()
      assert.equal(
        "ca1\tbuild-web\tLinux\tSucceeded\tCommit\t2019-08-28T20:20:53Z\t00:01:18\n" ..
        "ca2\tnightly\tWindows\tFailed\tTimer\t2019-08-28T07:30:00Z\t01:32:02\n" ..
        "ca3\t\tLinux\tRunning\tImage Update\t2019-08-28T21:00:00Z\t\n" ..
        "ca4\t\t\tQueued\tManual\t\t\n",
        list:format("tsv"))
    end)

    it("adds the header line on request", function()
      local out = list:format("tsv", { header = true })
      assert.equal("RUN ID\tTASK\tPLATFORM\tSTATUS\tTRIGGER\tSTARTED\tDURATION\n",
                   out:match("^[^\n]*\n"))
    end)

    it("escapes backslash, tab, line feed and carriage return", function()
      local l = decode([[
        [{"runId": "a\\b", "task": "t\tab", "status": "Failed",
          "sourceTrigger": {"eventType": "x\r\ny"}}]
      ]])
      assert.equal("a\\\\b\tt\\tab\t\tFailed\tx\\r\\ny\t\t\n", l:format("tsv"))
    end)

    it("is empty for an empty list", function()
      assert.equal("", acr.list():format("tsv"))
    end)
  end)

  describe("kinds", function()
    it("refuses an unknown kind, listing the valid ones", function()
      local ok, err = pcall(format.format, list, "html")
      assert.is_false(ok)
      assert.matches("unknown format kind 'html' %(valid: table, markdown, tsv, summary%)",
                     err)
      ok, err = pcall(list.format, list, "csv")
      assert.is_false(ok)
      assert.matches("valid: table, markdown, tsv, summary", err)
    end)

    it("refuses options that are not a table", function()
      assert.has_error(function() format.format(list, "table", 5) end)
    end)

    it("gives the summary as a kind too", function()
      assert.equal(format.summary(list), list:format("summary"))
    end)
  end)

  describe("summary", function()
    -- Two tasks and a quick run over three UTC days with an empty day
    -- between; every task's finished runs have equal durations, so the
    -- median and the 95th percentile are exact whatever the method.
    local RUNS = [[
    {"value": [
      {"runId": "s1", "status": "Succeeded", "task": "web",
       "createTime": "2019-08-26T10:00:00Z", "startTime": "2019-08-26T10:00:01Z",
       "finishTime": "2019-08-26T10:01:19Z"},
      {"runId": "s2", "status": "Succeeded", "task": "web",
       "createTime": "2019-08-26T23:59:00-08:00", "startTime": "2019-08-27T07:59:30Z",
       "finishTime": "2019-08-27T08:00:48Z"},
      {"runId": "s3", "status": "Failed", "task": "web",
       "createTime": "2019-08-26T12:00:00Z", "startTime": "2019-08-26T12:00:00Z",
       "finishTime": "2019-08-26T12:01:18Z"},
      {"runId": "s4", "status": "Failed", "task": "scan",
       "createTime": "2019-08-28T02:00:00Z", "startTime": "2019-08-28T02:00:00Z",
       "finishTime": "2019-08-28T03:12:40Z"},
      {"runId": "s5", "status": "Running", "task": "scan",
       "createTime": "2019-08-28T05:00:00Z", "startTime": "2019-08-28T05:00:01Z"},
      {"runId": "s6", "status": "Queued", "task": "web",
       "createTime": "2019-08-28T06:00:00Z"}
    ]}
    ]]

    local text, s
    before_each(function()
      local l = decode(RUNS)
      s = l:summary()
      text = format.summary(l)
    end)

    it("starts with the totals by status in spec order", function()
      assert.equal("6 runs: 1 Queued, 1 Running, 2 Succeeded, 2 Failed\n",
                   text:match("^[^\n]*\n"))
    end)

    it("has a row per task: runs, failures, rate, p50, p95", function()
      -- hand-checked: web 4 runs (s1, s2, s3, s6), 1 failed, 25.0%,
      -- durations 78, 78, 78 s; scan 2 runs, 1 failed, 50.0%, 4360 s.
      assert.equal(4, s.by_task.web.runs)
      assert.equal(1, s.by_task.web.failed)
      contains(text,
        "\nTASK  RUNS  FAILED  FAILED %       P50       P95\n" ..
        "----  ----  ------  --------  --------  --------\n" ..
        "scan     2       1     50.0%  01:12:40  01:12:40\n" ..
        "web      4       1     25.0%  00:01:18  00:01:18\n")
    end)

    it("draws a bar per UTC day, empty days included, with a legend",
       function()
      -- s2 was created 2019-08-26T23:59-08:00, which is the 27th in UTC.
      contains(text,
        "\nRuns per day (UTC, by creation time):\n" ..
        "2019-08-26  SF   2\n" ..
        "2019-08-27  S    1\n" ..
        "2019-08-28  FRQ  3\n" ..
        "Legend: S Succeeded, F Failed, R Running, Q Queued\n")
      assert.equal("Legend: S Succeeded, F Failed, R Running, Q Queued\n",
                   text:match("[^\n]*\n$"))
    end)

    it("counts a day by createTime, else startTime, never lastUpdatedTime",
       function()
      local l = decode([[
      [{"runId": "a", "status": "Succeeded", "createTime": "2019-08-26T10:00:00Z",
        "startTime": "2019-08-27T10:00:00Z", "lastUpdatedTime": "2019-08-28T10:00:00Z"},
       {"runId": "b", "status": "Succeeded", "startTime": "2019-08-27T10:00:00Z",
        "lastUpdatedTime": "2019-08-28T10:00:00Z"},
       {"runId": "c", "status": "Failed", "lastUpdatedTime": "2019-08-28T10:00:00Z"}]
      ]])
      local t = format.summary(l)
      contains(t, "\n2019-08-26  S  1\n")
      contains(t, "\n2019-08-27  S  1\n")
      contains(t, "\n(no date)   F  1\n")
      assert.falsy(t:find("2019-08-28", 1, true), t)
    end)

    it("writes 'no runs' for an empty list", function()
      assert.equal("no runs\n", format.summary(acr.list()))
    end)

    it("fills the days between the first and the last", function()
      local l = decode([[
        [{"runId": "a", "status": "Succeeded", "createTime": "2019-08-01T00:00:00Z"},
         {"runId": "b", "status": "Failed", "createTime": "2019-08-04T23:59:59Z"}]
      ]])
      contains(format.summary(l),
        "2019-08-01  S  1\n2019-08-02     0\n2019-08-03     0\n" ..
        "2019-08-04  F  1\n")
    end)

    it("scales long bars and says so", function()
      local runs = {}
      for i = 1, 130 do
        runs[i] = string.format(
          '{"runId": "r%d", "status": "%s", "createTime": "2019-08-01T10:00:00Z"}',
          i, i <= 100 and "Succeeded" or "Failed")
      end
      local out = format.summary(decode("[" .. table.concat(runs, ",") .. "]"))
      contains(out, "one letter per 3 runs")
      contains(out, "\n2019-08-01  " .. ("S"):rep(34) .. ("F"):rep(10) ..
                    "  130\n")
    end)
  end)
end)
