#!/bin/sh
# Runs a Ruby client check (tests/clients/NAME.rb); exits 77 (CTest "skipped")
# when there is no ruby, like the other checks when their client is missing.
command -v ruby >/dev/null 2>&1 || { echo "run_ruby: no ruby; install Debian's ruby-sidekiq"; exit 77; }
exec ruby "$(dirname "$0")/$1"
