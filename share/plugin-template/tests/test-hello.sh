#!/bin/bash
# The hello plugin in a real omniccd: its own config folder, plugin folder
# and control socket in a temporary folder, removed afterwards even when a
# step fails. Prints TAP for `meson test`.
#
# usage: test-hello.sh OMNICCD OMNICC HELLO_SO
set -u

OMNICCD=$1
OMNICC=$2
PLUGIN=$3

T=$(mktemp -d)
PID=
# shellcheck disable=SC2317  # called by the trap
cleanup () {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID"
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null
  fi
  rm -rf "$T"
}
trap cleanup EXIT

n=0
failed=0
pass () { n=$((n + 1)); echo "ok $n - $1"; }
fail () {
  n=$((n + 1)); failed=1
  echo "not ok $n - $1"
  [ -s "$T/out" ] && sed 's/^/# /' "$T/out"
}
cli () { timeout 10 "$OMNICC" --socket "$T/control.sock" "$@"; }
# expect DESCRIPTION TEXT COMMAND…: COMMAND succeeds and prints TEXT
expect () {
  local desc=$1 text=$2; shift 2
  if "$@" >"$T/out" 2>&1 && grep -qF -- "$text" "$T/out"; then pass "$desc"; else fail "$desc"; fi
}
# refuse DESCRIPTION TEXT COMMAND…: COMMAND exits 1 (the daemon said no)
# and the error says TEXT
refuse () {
  local desc=$1 text=$2; shift 2
  "$@" >"$T/out" 2>&1
  if [ $? -eq 1 ] && grep -qF -- "$text" "$T/out"; then pass "$desc"; else fail "$desc"; fi
}
write_conf () { printf '%s\n' "$@" >"$T/plugins.d/hello.conf"; }

echo "1..11"

mkdir -p "$T/plugins" "$T/plugins.d" "$T/state"
cp "$PLUGIN" "$T/plugins/"
cat >"$T/omnicc.conf" <<EOF
[core]
plugin-path=plugins
state-dir=state
control-socket=control.sock
drain-timeout=5

[plugins]
enabled=hello
EOF
write_conf '[hello]' 'greeting=Hello' 'interval=1' '[language fr]' 'greeting=Bonjour'

"$OMNICCD" --config "$T/omnicc.conf" --log-level debug >/dev/null 2>"$T/daemon.log" &
PID=$!
for _ in $(seq 100); do
  cli status >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
if ! cli status >"$T/out" 2>&1; then
  echo "Bail out! omniccd did not answer; its log follows"
  sed 's/^/# /' "$T/daemon.log"
  exit 1
fi
pass "omniccd starts with hello enabled"

if cli plugin list >"$T/out" 2>&1 && grep -qE '^hello +loaded ' "$T/out"; then
  pass "plugin list shows hello loaded"
else
  fail "plugin list shows hello loaded"
fi
expect "hello.greet greets by name" "Hello, world!" cli call hello.greet name=world
expect "hello.greet speaks a configured language" "Bonjour, monde!" \
  cli call hello.greet name=monde language=fr
refuse "hello.greet without a name is a bad request" 'argument “name” is missing' \
  cli call hello.greet
refuse "hello.greet in an unconfigured language is refused" "no [language de] group" \
  cli call hello.greet name=welt language=de

# interval=1: the timer greets the world within a second or two
timeout 4 "$OMNICC" --socket "$T/control.sock" events --follow hello.greeted >"$T/out" 2>&1
if grep -q '"hello.greeted"' "$T/out" && grep -qF 'Hello, world!' "$T/out"; then
  pass "the timer publishes hello.greeted"
else
  fail "the timer publishes hello.greeted"
fi

write_conf '[hello]' 'greeting=Hi' 'interval=1'
if cli config reload >"$T/out" 2>&1; then
  expect "config reload gives hello its new greeting" "Hi, world!" cli call hello.greet name=world
else
  fail "config reload gives hello its new greeting"
fi

# the core checks the schema's bounds and names file, line and key
write_conf '[hello]' 'greeting=Hey' 'interval=-5'
cli config reload >"$T/out" 2>&1
if [ $? -eq 1 ] && grep -qF 'hello.conf:3: [hello] interval: -5 is out of range' "$T/out"; then
  expect "an out-of-range interval is refused and the old config kept" "Hi, world!" \
    cli call hello.greet name=world
else
  fail "an out-of-range interval is refused and the old config kept"
fi

# well-typed but unusable: the plugin's reconfigure() says no
write_conf '[hello]' 'greeting=' 'interval=1'
if cli config reload >"$T/out" 2>&1 && grep -qF 'hello refused its new config' "$T/out"; then
  expect "an empty greeting is refused by the plugin and the old one kept" "Hi, world!" \
    cli call hello.greet name=world
else
  fail "an empty greeting is refused by the plugin and the old one kept"
fi

cli stop >"$T/out" 2>&1
for _ in $(seq 150); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID" 2>/dev/null; then
  fail "omnicc stop ends the daemon cleanly"
else
  wait "$PID"
  status=$?
  PID=
  echo "daemon exit status $status" >"$T/out"
  if [ "$status" -eq 0 ]; then pass "omnicc stop ends the daemon cleanly"; else fail "omnicc stop ends the daemon cleanly"; fi
fi

if [ "$failed" -ne 0 ]; then
  echo "# omniccd's log:"
  sed 's/^/# /' "$T/daemon.log"
fi
exit "$failed"
