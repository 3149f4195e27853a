#!/usr/bin/env bash
# Starts a two-shard ClickHouse cluster on loopback for the tests (installing Debian's
# clickhouse-server when missing) and prints the shards' HTTP URLs, space-separated, on the
# last line of stdout. Each shard is its own server process with its own config and data
# directory; both know the cluster `byok_two_shards` (shard 1 = the first URL). Every server
# is checked alive with `SELECT 1` before the script succeeds: a server whose port is taken
# logs the error and exits, and the script then prints that log line and exits 1.
#
#   BYOK_CLICKHOUSE_DIR  where the shards' configs, data and logs go (default /tmp/byok-clickhouse)
#   BYOK_CLICKHOUSE_PORT the first shard's HTTP port (default 8123); shard 2 uses the next one.
#                        TCP ports are 9000(+1), interserver ports 9009(+1) offset alike.
set -euo pipefail

dir="${BYOK_CLICKHOUSE_DIR:-/tmp/byok-clickhouse}"
http0="${BYOK_CLICKHOUSE_PORT:-8123}"
offset=$((http0 - 8123))

if ! command -v clickhouse-server >/dev/null 2>&1; then
  echo "clickhouse: installing clickhouse-server (Debian package)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server >/dev/null
fi

alive() { curl -fsS --max-time 2 "http://127.0.0.1:$1/?query=SELECT%201" 2>/dev/null | grep -qx 1; }

write_config() { # shard index, http port, tcp port, interserver port
  local shard="$1" http="$2" tcp="$3" inter="$4" home="$dir/shard$1"
  mkdir -p "$home/data" "$home/tmp" "$home/user_files" "$home/format_schemas" "$home/log"
  cat >"$home/users.xml" <<'XML'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>8000000000</max_memory_usage><load_balancing>in_order</load_balancing></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
  cat >"$home/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$home/log/server.log</log>
    <errorlog>$home/log/server.err.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <interserver_http_port>$inter</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>64</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$home/data/</path>
  <tmp_path>$home/tmp/</tmp_path>
  <user_files_path>$home/user_files/</user_files_path>
  <format_schema_path>$home/format_schemas/</format_schema_path>
  <users_config>$home/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <remote_servers>
    <byok_two_shards>
      <shard><replica><host>127.0.0.1</host><port>$((9000 + offset))</port></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>$((9001 + offset))</port></replica></shard>
    </byok_two_shards>
  </remote_servers>
  <macros><shard>$shard</shard></macros>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
XML
}

urls=()
for shard in 0 1; do
  http=$((http0 + shard))
  tcp=$((9000 + offset + shard))
  inter=$((9009 + offset + shard))
  home="$dir/shard$shard"
  urls+=("http://127.0.0.1:$http")
  if alive "$http"; then
    echo "clickhouse: shard $shard already answers on port $http" >&2
    continue
  fi
  write_config "$shard" "$http" "$tcp" "$inter"
  : >"$home/log/server.err.log"
  clickhouse-server --config-file="$home/config.xml" --pid-file="$home/server.pid" --daemon >/dev/null 2>&1 || true
  # Up to 30 s; the server logs why it stopped (a taken port, a bad path) and exits: say so at once.
  deadline=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.2
    if [ -f "$home/server.pid" ] && ! kill -0 "$(cat "$home/server.pid")" 2>/dev/null; then break; fi
    # A server that cannot start (its port taken) logs an application error, often before its pid file.
    grep -q '<Error> Application' "$home/log/server.err.log" 2>/dev/null && break
    alive "$http" && break
  done
  if ! alive "$http"; then
    echo "clickhouse: shard $shard did not answer on http://127.0.0.1:$http; its log says:" >&2
    grep -hE 'Exception|Error|error' "$home/log/server.err.log" 2>/dev/null | tail -5 >&2 || true
    # Leave nothing running behind a failure.
    if [ -f "$home/server.pid" ]; then kill "$(cat "$home/server.pid")" 2>/dev/null || true; fi
    exit 1
  fi
done

echo "${urls[*]}"
