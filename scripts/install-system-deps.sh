#!/usr/bin/env bash
# Installs the system programs the test suite runs for real (no mocks): redis-server, tmux, chromium,
# nginx, openssl, a JDK 17 and Maven (Cassandra 5 is resolved from Maven Central and run on the JDK),
# and python3 with venv (for scripts/install-grpc-tools.sh).
# Idempotent: when every program is already there it does nothing at all, not even `apt-get update`.
# The tests start their own Redis/nginx on free loopback ports, so the Debian services must NOT run:
# a policy-rc.d blocks service starts during the install, and anything that still got started is stopped.
set -euo pipefail

# sbin is not always on a non-root PATH; the daemons live there.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

need=()
have() { command -v "$1" >/dev/null 2>&1; }

have redis-server || need+=(redis-server)
have redis-cli || need+=(redis-tools) # the Redis Cluster tests join their nodes with redis-cli --cluster create
have tmux || need+=(tmux)
have chromium || need+=(chromium)
have nginx || need+=(nginx)
# The TLS tests make a throwaway CA and server certificate with it.
have openssl || need+=(openssl)

# Cassandra 5.0 runs on JDK 11 or 17 only, and the harness passes JDK 17 module flags: require a
# JDK 17, either as the default java or installed side by side (the harness finds /usr/lib/jvm/java-17-*).
java_major() {
  java -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\)\(\.[0-9]*\)*.*".*/\1/p' | head -n1
}
jv="$(have java && java_major || true)"
if [ "${jv:-0}" != 17 ] && ! ls /usr/lib/jvm/java-17-*/bin/java >/dev/null 2>&1; then
  need+=(openjdk-17-jdk-headless)
fi
have mvn || need+=(maven)
# scripts/install-grpc-tools.sh puts grpcio in a venv, which Debian's python3 makes only with python3-venv.
have python3 || need+=(python3)
{ have python3 && python3 -c 'import ensurepip, venv' >/dev/null 2>&1; } || need+=(python3-venv)

if [ "${#need[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: missing ${need[*]}; run this script as root (or install them yourself)" >&2
  exit 1
fi

echo "install-system-deps: installing ${need[*]}" >&2

# Exit code 101 from policy-rc.d tells invoke-rc.d (used by every Debian postinst) "do not start".
# Only install our own policy when none exists, and always put things back.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  own_policy=1
fi
cleanup() { if [ "$own_policy" -eq 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
# Quiet on success, but keep apt's output so a failure can be explained.
log="$(mktemp)"
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  rm -f "$log"
  echo "install-system-deps: apt-get failed" >&2
  exit 1
fi
rm -f "$log"

# Belt and braces: if a service got started anyway (e.g. a pre-existing policy allowed it), stop it
# and keep it from starting at boot. systemd may be absent (containers), so each step is optional.
for svc in redis-server nginx; do
  case " ${need[*]} " in *" $svc "*) ;; *) continue ;; esac
  if have systemctl && [ -d /run/systemd/system ]; then
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  else
    if have update-rc.d; then update-rc.d "$svc" disable >/dev/null 2>&1 || true; fi
    if [ -x "/etc/init.d/$svc" ]; then "/etc/init.d/$svc" stop >/dev/null 2>&1 || true; fi
  fi
done
# The init script may be gone or fail; kill the packaged daemons by their pid files only, never by name.
for pidfile in /run/redis/redis-server.pid /var/run/redis/redis-server.pid /run/nginx.pid; do
  if [ -s "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null || true
  fi
done

echo "install-system-deps: done" >&2
