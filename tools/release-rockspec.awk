# release-rockspec.awk -v ver=X.Y.Z: the release rockspec of version X.Y.Z-1
# from the scm rockspec on standard input (`make rockspec`): the same build,
# with the version and, as source, the tarball `make dist` builds.
NR == 1 {
  print "-- acr-run " ver ": the release rockspec, written by `make rockspec` from"
  print "-- acr-run-scm-1.rockspec (edit that one).  Its source is the tarball"
  print "-- `make dist` builds; `make rock` packs both into acr-run-" ver "-1.src.rock,"
  print "-- which `luarocks install` builds offline."
}
!body && /^--/ { next }
{ body = 1 }
/^version = / { print "version = \"" ver "-1\""; next }
/^source = \{/ {
  print "source = {"
  print "  url = \"acr-run-" ver ".tar.gz\","
  print "  dir = \"acr-run-" ver "\","
  print "}"
  skip = 1
  next
}
skip && /^\}/ { skip = 0; next }
skip { next }
{ print }
