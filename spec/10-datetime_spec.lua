-- DateTime values and acr.datetime (csrc/lacr_datetime.c).
local acr = require("acr.run")

local function dt(s)
  local v, err = acr.datetime(s)
  assert(v, err)
  return v
end

describe("acr.datetime", function()
  it("parses RFC 3339 text and gives it back exactly", function()
    for _, s in ipairs({
      "2019-08-28T20:20:52.8021125+00:00",
      "2018-01-25T05:13:51.617Z",
      "2019-08-28T20:21:00+00:00",
      "2019-08-31T01:54:28.298634+00:00",
      "2018-10-02T13:04:19.4376342-08:00",
      "2020-02-29T23:59:59.999999999+05:30",
      "0000-01-01T00:00:00Z",
      "9999-12-31T23:59:59Z",
      "2019-01-01t00:00:00z",
    }) do
      assert.are.equal(s, tostring(dt(s)))
    end
  end)

  it("exposes the civil fields as written, with the offset in minutes", function()
    local d = dt("2019-08-28T20:20:52.8021125+05:30")
    assert.are.equal(2019, d.year)
    assert.are.equal(8, d.month)
    assert.are.equal(28, d.day)
    assert.are.equal(20, d.hour)
    assert.are.equal(20, d.min)
    assert.are.equal(52, d.sec)
    assert.are.equal(802112500, d.nsec)
    assert.are.equal(330, d.offset)
    assert.are.equal(-480, dt("2018-10-02T13:04:19-08:00").offset)
    assert.are.equal(0, dt("2018-10-02T13:04:19Z").offset)
  end)

  it("epoch() is seconds since the epoch (exact integers where whole)", function()
    assert.are.equal(0, dt("1970-01-01T00:00:00Z"):epoch())
    assert.are.equal(1566937200, dt("2019-08-27T20:20:00Z"):epoch())
    assert.are.equal(1566937200, dt("2019-08-28T01:50:00+05:30"):epoch())
    assert.are.equal(1566937200.5, dt("2019-08-27T20:20:00.5Z"):epoch())
    assert.are.equal(-1, dt("1969-12-31T23:59:59Z"):epoch())
  end)

  it("utc() gives the same instant written with Z", function()
    local d = dt("2019-08-28T01:50:00.25+05:30")
    local u = d:utc()
    assert.are.equal("2019-08-27T20:20:00.25Z", tostring(u))
    assert.are.equal(0, u.offset)
    assert.is_true(u == d)
  end)

  it("makes values from numbers (UTC, fewest exact fraction digits)", function()
    assert.are.equal("1970-01-01T00:00:00Z", tostring(dt(0)))
    assert.are.equal("2019-08-27T20:20:00Z", tostring(dt(1566937200)))
    assert.are.equal("2019-08-27T20:20:00.500Z", tostring(dt(1566937200.5)))
    assert.are.equal("1969-12-31T23:59:59.750Z", tostring(dt(-0.25)))
  end)

  it("returns a DateTime given as is", function()
    local d = dt("2019-08-28T20:20:52Z")
    assert.are.equal(d, acr.datetime(d))
    assert.is_true(rawequal(d, acr.datetime(d)))
  end)

  it("compares instants across offsets", function()
    local a = dt("2019-08-28T20:00:00Z")
    local b = dt("2019-08-28T22:00:00+02:00")
    local c = dt("2019-08-28T20:00:00.000000001Z")
    assert.is_true(a == b)
    assert.is_false(a == c)
    assert.is_true(a < c)
    assert.is_true(a <= b)
    assert.is_true(b <= a)
    assert.is_false(c < a)
    assert.is_true(c > b)
    assert.is_false(a == "2019-08-28T20:00:00Z") -- a string is never equal
  end)

  it("subtracts to seconds and shifts by seconds", function()
    local a = dt("2019-08-28T20:20:52.8021125+00:00")
    local b = dt("2019-08-28T20:21:00.4763937+00:00")
    assert.is_true(math.abs((b - a) - 7.6742812) < 1e-9)
    assert.is_true(math.abs((a - b) + 7.6742812) < 1e-9)
    assert.are.equal(3600, dt("2019-01-01T01:00:00Z") - dt("2019-01-01T00:00:00Z"))
    local c = a + 60
    assert.are.equal("2019-08-28T20:21:52.8021125+00:00", tostring(c))
    assert.are.equal(tostring(c), tostring(60 + a))
    assert.are.equal("2019-08-28T20:19:52.8021125+00:00", tostring(a - 60))
    assert.are.equal("2019-03-01T00:00:00.500Z", tostring(dt("2019-02-28T23:59:59Z") + 1.5))
    -- the offset is kept when shifting
    assert.are.equal("2019-01-01T05:30:00+05:30", tostring(dt("2019-01-01T04:30:00+05:30") + 3600))
  end)

  it("refuses arithmetic that makes no sense", function()
    local a = dt("2019-08-28T20:20:52Z")
    assert.has_error(function() return a + a end)
    assert.has_error(function() return a + "x" end)
    assert.has_error(function() return 5 - a end)
  end)

  describe("stays within the years 0000..9999", function()
    local function raises(f, pattern)
      local ok, err = pcall(f)
      assert.is_false(ok)
      assert.matches(pattern, tostring(err), 1, true)
    end

    it("utc() raises when the UTC text would leave them", function()
      raises(function() return dt("9999-12-31T23:59:59-23:59"):utc() end,
             "9999-12-31T23:59:59-23:59 is +10000-01-01T23:58:59Z in UTC, " ..
             "outside the years 0000..9999")
      raises(function() return dt("0000-01-01T00:00:00+00:01"):utc() end,
             "outside the years 0000..9999")
      -- the ends themselves are fine
      assert.are.equal("9999-12-31T23:59:59Z",
                       tostring(dt("9999-12-31T23:59:59+00:00"):utc()))
      assert.are.equal("0000-01-01T00:00:00Z",
                       tostring(dt("0000-01-01T23:59:00+23:59"):utc()))
      assert.are.equal("9999-12-31T23:59:60Z",
                       tostring(dt("9999-12-31T23:59:60Z"):utc()))
    end)

    it("dt + s and dt - s raise when the result would leave them", function()
      raises(function() return dt("9999-12-31T23:59:59Z") + 1 end,
             "date-time 9999-12-31T23:59:59Z shifted by 1 seconds is " ..
             "outside the years 0000..9999")
      raises(function() return dt("0000-01-01T00:00:00.5+01:00") - 3600.75 end,
             "shifted by -3600.75 seconds is outside the years 0000..9999")
      raises(function() return dt("2019-01-01T00:00:00Z") + 1e300 end,
             "outside the years 0000..9999")
      raises(function() return dt("2019-01-01T00:00:00Z") - 0 / 0 end,
             "cannot shift a DateTime by NaN seconds")
    end)

    it("a leap second at the very end shifts by 0 and back", function()
      local leap = dt("9999-12-31T23:59:60Z")
      assert.are.equal("9999-12-31T23:59:60Z", tostring(leap + 0))
      assert.are.equal("9999-12-31T23:59:60Z", tostring(leap - 0))
      assert.are.equal("9999-12-31T23:59:59Z", tostring(leap - 1))
      raises(function() return leap + 0.5 end,
             "9999-12-31T23:59:60Z shifted by 0.5 seconds is outside")
    end)

    it("so a run never holds one its JSON cannot carry", function()
      local run = acr.new { startTime = "9999-12-31T23:59:59-23:59" }
      assert.is_false(pcall(function()
        run.finishTime = run.startTime:utc()
      end))
      local back = assert(acr.decode(run:encode()))
      assert.are.equal("9999-12-31T23:59:59-23:59", tostring(back.startTime))
    end)
  end)

  it("< and <= raise for a string or a number on every Lua", function()
    local a = dt("2019-08-28T20:20:52Z")
    local cases = {
      function() return a < "2019-08-28T20:20:53Z" end,
      function() return "2019-08-28T20:20:53Z" <= a end,
      function() return a <= 1566937200 end,
      function() return 0 < a end,
      function() return a < {} end,
    }
    for _, f in ipairs(cases) do
      local ok, err = pcall(f)
      assert.is_false(ok)
      -- Lua 5.1 and LuaJIT raise by themselves, before any metamethod
      if _VERSION ~= "Lua 5.1" then
        assert.matches("attempt to compare a DateTime with a %a+ value %(convert it with acr.datetime first%)", err)
      else
        assert.matches("attempt to compare", err)
      end
    end
    -- converted first, the same comparison works everywhere
    assert.is_true(a < acr.datetime("2019-08-28T20:20:53Z"))
    assert.is_true(acr.datetime(1566937200) <= a)
  end)

  it("utc() keeps the fraction digits and a leap second, writes T and Z", function()
    assert.are.equal("2019-08-27T20:20:00.250Z",
                     tostring(dt("2019-08-28t01:50:00.250+05:30"):utc()))
    assert.are.equal("2016-12-31T23:59:60Z",
                     tostring(dt("2017-01-01T00:59:60+01:00"):utc()))
    assert.are.equal("2019-08-28T00:00:00Z",
                     tostring(dt("2019-08-28T00:00:00-00:00"):utc()))
  end)

  it("dt + s keeps the offset, the letter case and the digits", function()
    -- digits grow to 3, 6 or 9 only when the result needs more
    assert.are.equal("2019-01-01t00:00:01.5z", tostring(dt("2019-01-01t00:00:00.5z") + 1))
    assert.are.equal("2019-01-01T00:00:00.750-08:00",
                     tostring(dt("2019-01-01T00:00:00.5-08:00") + 0.25))
    assert.are.equal("2019-01-01T00:00:00.000001+00:00",
                     tostring(dt("2019-01-01T00:00:00+00:00") + 0.000001))
    assert.are.equal("2019-01-01T00:00:01-00:00",
                     tostring(dt("2019-01-01T00:00:00-00:00") + 1))
    -- a leap second shifted by anything but 0 is an ordinary second
    assert.are.equal("2017-01-01T00:00:01Z", tostring(dt("2016-12-31T23:59:60Z") + 1))
  end)

  it("is immutable and refuses unknown keys", function()
    local a = dt("2019-08-28T20:20:52Z")
    assert.has_error(function() a.year = 2020 end)
    local ok, err = pcall(function() return a.yaer end)
    assert.is_false(ok)
    assert.matches("unknown DateTime field 'yaer'", err)
  end)

  describe("bad data returns nil, message, err", function()
    local cases = {
      { "2019-13-01T00:00:00Z", "month" },
      { "2019-04-31T00:00:00Z", "day 31" },
      { "2019-02-29T00:00:00Z", "day 29" },
      { "2019-01-01T24:00:00Z", "hour" },
      { "2019-01-01T00:00:00+24:00", "offset" },
      { "2019-01-01T00:60:00Z", "minute" },
      { "2019-01-01", "" },
      { "2019-01-01T00:00:00", "" },
      { "2019-01-01T00:00:00.1234567890Z", "" },
      { "not a date", "" },
      { "", "" },
    }
    for _, c in ipairs(cases) do
      it(("refuses %q"):format(c[1]), function()
        local v, msg, err = acr.datetime(c[1])
        assert.is_nil(v)
        assert.is_string(msg)
        assert.matches("invalid date%-time", msg)
        assert.matches(c[2], msg, 1, true)
        assert.is_table(err)
        assert.is_true(err.kind == "syntax" or err.kind == "schema")
      end)
    end
    it("accepts 29 February of a leap year and offsets up to 23:59", function()
      assert.is_not_nil(acr.datetime("2020-02-29T00:00:00Z"))
      assert.is_not_nil(acr.datetime("2019-01-01T00:00:00+23:59"))
      assert.is_not_nil(acr.datetime("2019-01-01T00:00:00-23:59"))
    end)
    it("refuses numbers outside the years 0000..9999 and NaN", function()
      assert.is_nil((acr.datetime(1e15)))
      assert.is_nil((acr.datetime(0 / 0)))
      assert.is_nil((acr.datetime(math.huge)))
    end)
  end)

  it("raises for an argument of the wrong type", function()
    assert.has_error(function() acr.datetime({}) end)
    assert.has_error(function() acr.datetime(true) end)
    assert.has_error(function() acr.datetime() end)
  end)
end)

describe("run:duration(now)", function()
  it("is 0, never negative, for a now before the start", function()
    local run = acr.new { startTime = "2019-01-01T00:00:10Z" }
    assert.are.equal(0, run:duration("2019-01-01T00:00:00Z"))
    assert.are.equal(0, run:duration(acr.datetime("2019-01-01T00:00:10Z")))
    assert.are.equal(5, run:duration("2019-01-01T00:00:15Z"))
  end)
end)
