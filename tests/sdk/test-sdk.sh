#!/bin/bash
# The plugin SDK, for real: what an outside developer does with an
# installed omnicc.
#
#  1. `meson install --destdir` the whole project into a temporary folder;
#  2. copy share/plugin-template there and build it out of tree against
#     only the installed headers and omnicc-plugin.pc, with -Werror;
#  3. start the installed omniccd on a config in the temporary folder,
#     with an empty plugin folder;
#  4. drop the new hello.so in, `omnicc plugin load hello`, and use it;
#  5. build share/acd-strategy-template the same way, run it in the
#     installed omnicc-sim, load it too and see its acd.strategy/ service
#     provided;
#  6. unload hello, stop the daemon.
#
# Prints TAP. The first failed step fails the test and the steps after it
# are reported as not run (never skipped). The daemon is stopped and the
# temporary folder removed however the script ends.
#
# usage: test-sdk.sh build-root=DIR template=DIR strategy-template=DIR pc-dir=DIR omniccd=PATH
#        omnicc=PATH data-dir=DIR plugin-dir=DIR cc=CMD meson=PATH ninja=PATH
# (the paths omniccd… plugin-dir are the installed ones, without DESTDIR)
set -u

for arg in "$@"; do
  case "$arg" in
    build-root=*) BUILD_ROOT=${arg#*=} ;;
    template=*) TEMPLATE=${arg#*=} ;;
    strategy-template=*) STRATEGY_TEMPLATE=${arg#*=} ;;
    pc-dir=*) PC_DIR=${arg#*=} ;;
    omniccd=*) OMNICCD=${arg#*=} ;;
    omnicc=*) OMNICC=${arg#*=} ;;
    data-dir=*) DATA_DIR=${arg#*=} ;;
    plugin-dir=*) PLUGIN_DIR=${arg#*=} ;;
    cc=*) CC_CMD=${arg#*=} ;;
    meson=*) MESON=${arg#*=} ;;
    ninja=*) NINJA=${arg#*=} ;;
    *) echo "Bail out! unknown argument $arg"; exit 1 ;;
  esac
done

# The temporary folder must not lie under the build tree: an omniccd whose
# executable is inside the build root uses the build tree's plugins and
# data instead of the installed ones (core/paths.c).
T=$(mktemp -d "${TMPDIR:-/tmp}/omnicc-sdk.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
case "$T/" in
  "$BUILD_ROOT"/*) echo "Bail out! $T is inside the build tree $BUILD_ROOT"; rm -rf "$T"; exit 1 ;;
esac
ROOT=$T/root          # DESTDIR of the project install
SITE=$T/site          # the daemon's config, state and socket
SOCKET=$SITE/control.sock
PID=

stop_daemon () {
  [ -n "$PID" ] || return 0
  if kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID"
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null
  fi
  wait "$PID" 2>/dev/null
  PID=
}
cleanup () {
  stop_daemon
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM   # meson's timeout: still clean up

cli () { timeout 10 "$ROOT$OMNICC" --socket "$SOCKET" "$@"; }

# Runs a command on the template's build with only the installed SDK in
# view: PKG_CONFIG_PATH is replaced, not extended, and PATH finds the
# installed omniccd and omnicc first (for the template's own test). Every
# meson and ninja call gets it, since either may re-run the configuration.
template_env () {
  env -u PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH="$T/pc" CC="$CC_CMD" \
    PATH="$ROOT$(dirname "$OMNICCD"):$ROOT$(dirname "$OMNICC"):$PATH" "$@"
}

# --- the steps: each writes what it ran to $OUT and returns non-zero on
# --- failure, saying why on stderr ----------------------------------------

step_install () {
  "$MESON" install --no-rebuild --destdir "$ROOT" -C "$BUILD_ROOT"
}

step_sdk_files () {
  local pc=$ROOT$PC_DIR/omnicc-plugin.pc
  [ -f "$pc" ] || { echo "no $pc" >&2; return 1; }
  local inc
  inc=$(find "$ROOT" -path '*/omnicc/omnicc/omnicc.h' | head -n 1)
  [ -n "$inc" ] || { echo "no omnicc/omnicc.h installed" >&2; return 1; }
  [ -f "$(dirname "$inc")/version.h" ] || { echo "no omnicc/version.h installed" >&2; return 1; }
  # The installed pc file names its real prefix. Pointing pkg-config at
  # $ROOT another way fails with Debian 12's pkgconf 1.8.1 and a multiarch
  # libdir: PKG_CONFIG_SYSROOT_DIR also moves glib-2.0's paths into $ROOT,
  # and --define-prefix computes the prefix as <prefix>/lib. So this is
  # what relocating an SDK means: a copy with only prefix= changed.
  mkdir -p "$T/pc"
  local prefix
  prefix=$(sed -n 's/^prefix=//p' "$pc")
  [ -n "$prefix" ] || { echo "$pc has no prefix= line" >&2; return 1; }
  sed "s|^prefix=.*|prefix=$ROOT$prefix|" "$pc" >"$T/pc/omnicc-plugin.pc"
  cat "$T/pc/omnicc-plugin.pc"
  local dir
  dir=$(env PKG_CONFIG_PATH="$T/pc" pkg-config --variable=pluginsdir omnicc-plugin)
  [ "$dir" = "$ROOT$PLUGIN_DIR" ] || {
    echo "pluginsdir is $dir, expected $ROOT$PLUGIN_DIR" >&2
    return 1
  }
}

step_configure () {
  # The installed template when the project installs it, else the source
  # one; a copy either way, so that nothing is built inside the tree.
  local src=$TEMPLATE
  [ -f "$ROOT$DATA_DIR/plugin-template/meson.build" ] && src=$ROOT$DATA_DIR/plugin-template
  echo "template: $src"
  cp -R "$src" "$T/hello-src" || return 1
  template_env "$MESON" setup -Dwerror=true "$T/hello-build" "$T/hello-src" || return 1
  local pcfile
  pcfile=$(template_env pkg-config --path omnicc-plugin)
  [ "$pcfile" = "$T/pc/omnicc-plugin.pc" ] || {
    echo "pkg-config finds $pcfile, not the installed SDK" >&2
    return 1
  }
}

step_build () {
  template_env "$NINJA" -C "$T/hello-build" || return 1
  grep -q -- '-Werror' "$T/hello-build/compile_commands.json" || {
    echo "the template was not compiled with -Werror" >&2
    return 1
  }
  grep -q -- "-I$ROOT" "$T/hello-build/compile_commands.json" || {
    echo "the template was not compiled against the installed headers" >&2
    return 1
  }
}

step_exports () {
  local so=$T/hello-build/hello.so
  [ -f "$so" ] || { echo "no $so" >&2; return 1; }
  local exports
  exports=$(nm -D --defined-only "$so" | awk '{ print $NF }' | sort | tr '\n' ' ')
  echo "exported: $exports"
  [ "$exports" = "occ_plugin_descriptor " ] || {
    echo "hello.so must export exactly occ_plugin_descriptor" >&2
    return 1
  }
}

step_template_install () {
  template_env "$MESON" install --no-rebuild -C "$T/hello-build" || return 1
  [ -f "$ROOT$PLUGIN_DIR/hello.so" ] || {
    echo "hello.so is not in the SDK's pluginsdir $ROOT$PLUGIN_DIR" >&2
    return 1
  }
}

step_template_tests () {
  grep -q "$ROOT$OMNICCD" "$T/hello-build/meson-info/intro-tests.json" || {
    echo "the template's test does not use the installed omniccd" >&2
    return 1
  }
  template_env "$MESON" test --no-rebuild -C "$T/hello-build" && return 0
  cat "$T/hello-build/meson-logs/testlog.txt"
  return 1
}

# The ACD strategy template: built like hello, from the installed copy.
STRATEGY=acd-lowest-penalty
step_strategy_build () {
  local src=$STRATEGY_TEMPLATE
  [ -f "$ROOT$DATA_DIR/acd-strategy-template/meson.build" ] && src=$ROOT$DATA_DIR/acd-strategy-template
  echo "template: $src"
  cp -R "$src" "$T/strategy-src" || return 1
  template_env "$MESON" setup -Dwerror=true "$T/strategy-build" "$T/strategy-src" || return 1
  template_env "$NINJA" -C "$T/strategy-build" || return 1
  grep -q -- '-Werror' "$T/strategy-build/compile_commands.json" \
    && grep -q -- "-I$ROOT" "$T/strategy-build/compile_commands.json" || {
    echo "the strategy was not compiled with -Werror against the installed headers" >&2
    return 1
  }
  local exports
  exports=$(nm -D --defined-only "$T/strategy-build/$STRATEGY.so" | awk '{ print $NF }' | tr '\n' ' ')
  echo "exported: $exports"
  [ "$exports" = "occ_plugin_descriptor " ] || {
    echo "$STRATEGY.so must export exactly occ_plugin_descriptor" >&2
    return 1
  }
}

step_strategy_load () {
  cp "$T/strategy-build/$STRATEGY.so" "$SITE/plugins/" || return 1
  cli plugin load "$STRATEGY" && cli status >"$T/status" || return 1
  cat "$T/status"
  grep -q 'acd.strategy/lowest-penalty@1' "$T/status" || {
    echo "status does not list the acd.strategy/lowest-penalty@1 service" >&2
    return 1
  }
}

# The strategy template in the installed simulator, on a small queue.
step_strategy_simulate () {
  local sim
  sim=$ROOT$(dirname "$OMNICC")/omnicc-sim
  [ -x "$sim" ] || { echo "no omnicc-sim installed beside omnicc ($sim)" >&2; return 1; }
  printf '%s\n' '[simulation]' 'replications=3' 'warmup=600' 'duration=3600' '[queue q]' \
    'strategy=lowest-penalty' 'arrivals-per-hour=360' 'aht=60' '[agents a]' 'count=8' \
    'queues=q' >"$T/scenario.conf"
  "$sim" --strategy-dir "$T/strategy-build" --json "$T/scenario.conf" >"$T/sim.json" || return 1
  cat "$T/sim.json"
  grep -q '"strategy":"lowest-penalty"' "$T/sim.json" && grep -q '"interactions":' "$T/sim.json" || {
    echo "omnicc-sim did not run the template's strategy" >&2
    return 1
  }
}

step_start () {
  mkdir -p "$SITE/plugins" "$SITE/plugins.d" "$SITE/state" || return 1
  cat >"$SITE/omnicc.conf" <<EOF
[core]
plugin-path=$SITE/plugins
state-dir=$SITE/state
control-socket=$SOCKET
data-dir=$ROOT$DATA_DIR
policy-dir=$ROOT$DATA_DIR/policies
drain-timeout=5

[plugins]
enabled=
EOF
  printf '[hello]\ngreeting=Greetings\ninterval=0\n' >"$SITE/plugins.d/hello.conf"
  cat "$SITE/omnicc.conf"
  "$ROOT$OMNICCD" --config "$SITE/omnicc.conf" --log-level debug \
    >/dev/null 2>"$T/daemon.log" &
  PID=$!
  for _ in $(seq 100); do
    cli status && return 0
    kill -0 "$PID" 2>/dev/null || { echo "omniccd exited" >&2; return 1; }
    sleep 0.1
  done
  echo "omniccd did not answer on $SOCKET within 10 s" >&2
  return 1
}

step_load () {
  cp "$T/hello-build/hello.so" "$SITE/plugins/" || return 1
  cli plugin load hello
}

step_list () {
  cli plugin list >"$T/list" || return 1
  cat "$T/list"
  grep -qE '^hello +loaded ' "$T/list" || { echo "hello is not listed as loaded" >&2; return 1; }
}

step_greet () {
  cli call hello.greet name=world >"$T/greet" || return 1
  cat "$T/greet"
  grep -qF 'Greetings, world!' "$T/greet" || {
    echo "the answer lacks Greetings, world! (from plugins.d/hello.conf)" >&2
    return 1
  }
}

step_registrations () {
  cli status >"$T/status" && cli events types >"$T/types" || return 1
  grep -q 'hello@1' "$T/status" || { echo "status does not list the hello@1 service" >&2; return 1; }
  grep -q '^hello.greeted ' "$T/types" || { echo "events types does not list hello.greeted" >&2; return 1; }
}

step_unload () {
  cli plugin unload hello || return 1
  cli call hello.greet name=world
  local status=$?
  [ "$status" -eq 1 ] || { echo "hello.greet still answered (exit $status) after unload" >&2; return 1; }
  cli events types >"$T/types" || return 1
  if grep -q '^hello.greeted ' "$T/types"; then
    echo "hello.greeted is still registered after unload" >&2
    return 1
  fi
}

step_stop () {
  cli stop || return 1
  for _ in $(seq 150); do
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$PID" 2>/dev/null; then
    echo "omniccd still runs 15 s after omnicc stop" >&2
    return 1
  fi
  wait "$PID"
  local status=$?
  PID=
  [ "$status" -eq 0 ] || { echo "omniccd exited with status $status" >&2; return 1; }
}

# --- the TAP driver -------------------------------------------------------------

STEPS=(
  "step_install|the whole project installs into a temporary folder with meson install --destdir"
  "step_sdk_files|the installed SDK has omnicc-plugin.pc with pluginsdir, omnicc.h and version.h"
  "step_configure|the template configures out of tree against only the installed SDK"
  "step_build|the template builds with -Wall -Wextra -Werror"
  "step_exports|hello.so exports only occ_plugin_descriptor"
  "step_template_install|meson install puts hello.so in the SDK's pluginsdir"
  "step_template_tests|the template's own meson test passes against the installed omniccd"
  "step_strategy_build|the ACD strategy template builds out of tree with -Werror and exports only its descriptor"
  "step_strategy_simulate|the installed omnicc-sim runs the template's strategy plugin"
  "step_start|the installed omniccd starts with an empty plugin folder and answers status"
  "step_load|omnicc plugin load hello loads the freshly built plugin"
  "step_list|omnicc plugin list shows hello loaded"
  "step_greet|omnicc call hello.greet name=world answers with the configured greeting"
  "step_registrations|status lists the hello@1 service and events types lists hello.greeted"
  "step_strategy_load|omnicc plugin load acd-lowest-penalty provides acd.strategy/lowest-penalty@1"
  "step_unload|omnicc plugin unload hello removes its command and its event type"
  "step_stop|omnicc stop ends the installed omniccd with status 0"
)

echo "1..${#STEPS[@]}"
n=0
failed_at=
for entry in "${STEPS[@]}"; do
  n=$((n + 1))
  fn=${entry%%|*}
  desc=${entry#*|}
  if [ -n "$failed_at" ]; then
    echo "not ok $n - $desc (not run: step $failed_at failed)"
    continue
  fi
  OUT=$T/$fn.log
  if "$fn" >"$OUT" 2>&1; then
    echo "ok $n - $desc"
  else
    echo "not ok $n - $desc"
    failed_at=$n
    echo "# $fn printed (last 80 lines):"
    tail -n 80 "$OUT" | sed 's/^/#   /'
    if [ -s "$T/daemon.log" ]; then
      echo "# omniccd's log (last 80 lines):"
      tail -n 80 "$T/daemon.log" | sed 's/^/#   /'
    fi
  fi
done

[ -z "$failed_at" ]
