#!/usr/bin/env bash
# Installs the coding agents that dev.caravan.agents.RealAgentsTest drives through the gateway (Codex CLI,
# Claude Code, opencode) into a fixed directory, once. Quick when they are already there; without npm it says so
# and exits 0: the test then skips itself.
set -uo pipefail

dir="${CARAVAN_AGENTS_DIR:-$HOME/.cache/caravan/agents}"
packages=(@openai/codex@0.171.0 @anthropic-ai/claude-code@2.1.332 opencode-ai@1.18.33)

installed() {
  local spec name version file
  for spec in "${packages[@]}"; do
    name="${spec%@*}" version="${spec##*@}"
    file="$dir/node_modules/$name/package.json"
    [ -f "$file" ] && grep -q "\"version\": *\"$version\"" "$file" || return 1
  done
  for bin in codex claude opencode; do
    [ -x "$dir/node_modules/.bin/$bin" ] || return 1
  done
}

if installed; then
  echo "agents: already installed in $dir"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "agents: npm not found; RealAgentsTest will be skipped (install Node.js 20+ and npm, then run .ci/agents.sh)" >&2
  exit 0
fi

mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"name": "caravan-agents", "private": true}' > "$dir/package.json"
echo "agents: installing ${packages[*]} into $dir"
if ! (cd "$dir" && npm install --no-audit --no-fund --no-update-notifier --loglevel=error "${packages[@]}"); then
  echo "agents: npm install failed; RealAgentsTest will be skipped" >&2
  exit 0
fi
if installed; then
  echo "agents: installed in $dir"
else
  echo "agents: npm install finished but the agents are incomplete in $dir; RealAgentsTest will be skipped" >&2
fi
