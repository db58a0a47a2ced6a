#!/usr/bin/env bash
# make setup: Debian packages, npm packages, then the pinned stock kernel.
# Idempotent: each part checks before it acts and says when it has nothing to do.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
while read -r pkg; do
	[[ -z "$pkg" || "$pkg" == \#* ]] && continue
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done < harness/setup/packages.txt

if ((${#missing[@]})); then
	if [[ $(id -u) != 0 ]]; then
		echo "setup: missing Debian packages: ${missing[*]}" >&2
		echo "setup: run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
		exit 2
	fi
	echo "setup: installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
else
	echo "setup: Debian packages: all present, nothing to do"
fi

# npm ci only when the lock file changed since the last install.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f node_modules/.vfslab-lock-hash && "$(cat node_modules/.vfslab-lock-hash)" == "$lock_hash" ]]; then
	echo "setup: npm packages: up to date, nothing to do"
else
	echo "setup: npm ci"
	npm ci --no-audit --no-fund --loglevel=error
	echo "$lock_hash" > node_modules/.vfslab-lock-hash
fi

exec node --import tsx harness/setup/main.ts "$@"
